/* Character backends for serial ports: stdio (with the Ctrl-A escape), a file, none. */
#ifndef UI_CHARDEV_H
#define UI_CHARDEV_H

#include <stddef.h>
#include <stdint.h>

typedef struct CharBackend CharBackend;

/*
 * Frontend hooks.  can_receive returns how many bytes the device will take
 * now; receive is then called with at most that many.  Both run on the I/O
 * thread with the machine's device lock held.
 */
typedef struct CharFrontend {
    size_t (*can_receive)(void *opaque);
    void (*receive)(void *opaque, const uint8_t *buf, size_t len);
    void *opaque;
} CharFrontend;

/*
 * "stdio", "file:PATH", "none" (also "null").  `on_quit` runs (I/O thread)
 * when the user types Ctrl-A X on a stdio backend.  Returns NULL with a
 * one-line reason in err for a bad spec or an unopenable file.
 */
CharBackend *chardev_new(const char *spec, void (*on_quit)(void *opaque), void *quit_opaque,
                         char *err, size_t errlen);
void chardev_set_frontend(CharBackend *cb, const CharFrontend *fe);
/* Output from the guest. Any thread; never blocks the guest for long. */
void chardev_write(CharBackend *cb, const uint8_t *buf, size_t len);
/* The frontend can take input again: retry what was held back. */
void chardev_accept_input(CharBackend *cb);
/* Restore the terminal and release everything. */
void chardev_free(CharBackend *cb);

#endif

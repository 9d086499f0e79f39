/* tandem: the command line -> a Machine -> run. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "accel/accel.h"
#include "hw/machine.h"
#include "ui/log.h"
#include "ui/options.h"

/* Global so the strings it holds stay reachable for the leak checker. */
static Options options;

int main(int argc, char **argv)
{
    char err[512] = "";

    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);

    switch (options_parse(&options, argc, argv, err, sizeof(err))) {
    case OPTIONS_EXIT_OK:
        return 0;
    case OPTIONS_ERROR:
        error_report("%s", err);
        return 1;
    case OPTIONS_RUN:
        break;
    }
    if (options.accel && strcmp(options.accel, "help") == 0) {
        accel_print_help();
        return 0;
    }
    if (options.log_file && log_set_file(options.log_file, err, sizeof(err)) != 0) {
        error_report("%s", err);
        return 1;
    }

    Machine *m = machine_new(&options, err, sizeof(err));
    if (!m) {
        error_report("%s", err);
        return 1;
    }
    int status = machine_run(m);
    machine_free(m);
    options_free(&options);
    return status;
}

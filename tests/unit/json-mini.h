/* A small JSON reader for test data files (objects, arrays, numbers, strings, literals). */
#ifndef TESTS_UNIT_JSON_MINI_H
#define TESTS_UNIT_JSON_MINI_H

#include <glib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } JsonType;

typedef struct JsonNode {
    JsonType type;
    double number;
    char *string;             /* JSON_STRING; object member names in `keys` */
    struct JsonNode **items;  /* array elements or object values */
    char **keys;              /* object member names */
    size_t count;
} JsonNode;

typedef struct JsonParser {
    const char *p, *end;
    bool failed;
} JsonParser;

static void json_skip_space(JsonParser *jp)
{
    while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\n' || *jp->p == '\r' || *jp->p == '\t')) {
        jp->p++;
    }
}

static JsonNode *json_parse_value(JsonParser *jp);

static char *json_parse_string_raw(JsonParser *jp)
{
    if (jp->p >= jp->end || *jp->p != '"') {
        jp->failed = true;
        return NULL;
    }
    jp->p++;
    GString *s = g_string_new(NULL);
    while (jp->p < jp->end && *jp->p != '"') {
        char c = *jp->p++;
        if (c == '\\' && jp->p < jp->end) {
            char e = *jp->p++;
            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u':
                /* Test data is ASCII: keep the code unit's low byte. */
                c = jp->end - jp->p >= 4 ? (char)strtol((char[]){ jp->p[2], jp->p[3], 0 }, NULL, 16) : '?';
                jp->p += jp->end - jp->p >= 4 ? 4 : 0;
                break;
            default: c = e; break;
            }
        }
        g_string_append_c(s, c);
    }
    if (jp->p >= jp->end) {
        jp->failed = true;
    } else {
        jp->p++;
    }
    return g_string_free(s, FALSE);
}

static JsonNode *json_new(JsonType t)
{
    JsonNode *n = g_new0(JsonNode, 1);
    n->type = t;
    return n;
}

static JsonNode *json_parse_container(JsonParser *jp, bool object)
{
    JsonNode *n = json_new(object ? JSON_OBJECT : JSON_ARRAY);
    GPtrArray *items = g_ptr_array_new(), *keys = g_ptr_array_new();
    jp->p++;
    json_skip_space(jp);
    char close = object ? '}' : ']';
    while (!jp->failed && jp->p < jp->end && *jp->p != close) {
        if (object) {
            g_ptr_array_add(keys, json_parse_string_raw(jp));
            json_skip_space(jp);
            if (jp->p >= jp->end || *jp->p != ':') {
                jp->failed = true;
                break;
            }
            jp->p++;
        }
        g_ptr_array_add(items, json_parse_value(jp));
        json_skip_space(jp);
        if (jp->p < jp->end && *jp->p == ',') {
            jp->p++;
            json_skip_space(jp);
        }
    }
    if (jp->p >= jp->end) {
        jp->failed = true;
    } else {
        jp->p++;
    }
    n->count = items->len;
    n->items = (JsonNode **)g_ptr_array_free(items, FALSE);
    n->keys = object ? (char **)g_ptr_array_free(keys, FALSE) : (g_ptr_array_free(keys, TRUE), NULL);
    return n;
}

static JsonNode *json_parse_value(JsonParser *jp)
{
    json_skip_space(jp);
    if (jp->p >= jp->end) {
        jp->failed = true;
        return json_new(JSON_NULL);
    }
    char c = *jp->p;
    if (c == '{' || c == '[') {
        return json_parse_container(jp, c == '{');
    }
    if (c == '"') {
        JsonNode *n = json_new(JSON_STRING);
        n->string = json_parse_string_raw(jp);
        return n;
    }
    if (strncmp(jp->p, "true", 4) == 0 || strncmp(jp->p, "false", 5) == 0) {
        JsonNode *n = json_new(JSON_BOOL);
        n->number = c == 't';
        jp->p += c == 't' ? 4 : 5;
        return n;
    }
    if (strncmp(jp->p, "null", 4) == 0) {
        jp->p += 4;
        return json_new(JSON_NULL);
    }
    char *endp;
    JsonNode *n = json_new(JSON_NUMBER);
    n->number = g_ascii_strtod(jp->p, &endp);
    if (endp == jp->p) {
        jp->failed = true;
    }
    jp->p = endp;
    return n;
}

static JsonNode *json_parse(const char *text, size_t len)
{
    JsonParser jp = { text, text + len, false };
    JsonNode *n = json_parse_value(&jp);
    return jp.failed ? NULL : n;
}

static void json_free(JsonNode *n)
{
    if (!n) {
        return;
    }
    for (size_t i = 0; i < n->count; i++) {
        json_free(n->items[i]);
        if (n->keys) {
            g_free(n->keys[i]);
        }
    }
    g_free(n->items);
    g_free(n->keys);
    g_free(n->string);
    g_free(n);
}

static JsonNode *json_get(const JsonNode *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJECT) {
        return NULL;
    }
    for (size_t i = 0; i < obj->count; i++) {
        if (strcmp(obj->keys[i], key) == 0) {
            return obj->items[i];
        }
    }
    return NULL;
}

#endif

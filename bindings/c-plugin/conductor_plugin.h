/*
 * conductor_plugin.h — writing a Conductor plugin in C.
 *
 * A plugin is a WebAssembly core module built for wasm32-wasip1 (Debian's clang 14
 * calls the same target `wasm32-wasi`):
 *
 *     clang --target=wasm32-wasi -O2 -nostartfiles -Wl,--no-entry \
 *           -I bindings/c-plugin my_plugin.c -o my_plugin.wasm
 *
 * (packages clang, lld, wasi-libc and libclang-rt-dev-wasm32 on Debian; with the WASI
 * SDK or a newer clang, `--target=wasm32-wasip1 --sysroot=<wasi-sysroot>`).
 * `-nostartfiles -Wl,--no-entry` makes a library module: no `main`, no `_start`, only
 * the functions marked CONDUCTOR_EXPORT. The contract is docs/plugin-abi.md; this
 * header is its C spelling:
 *
 *   - the host functions of the `conductor` import module (conductor_log,
 *     conductor_midi_send, conductor_http_request, ...), each returning a code:
 *     >= 0 is success, a negative CONDUCTOR_ERR_* is a failure whose message is in the
 *     result buffer (conductor_result_copy reads it);
 *   - the exports the host calls, with their exact signatures:
 *
 *         CONDUCTOR_CAPABILITIES("[\"Midi\"]")     capabilities() -> JSON array text
 *         CONDUCTOR_ALLOCATOR                      alloc / dealloc, on malloc and free
 *         CONDUCTOR_EXPORT("init") void init(void)              optional
 *         CONDUCTOR_EXPORT("execute")
 *         int32_t execute(const char *params, int32_t params_len)
 *         CONDUCTOR_EXPORT("execute_with_context")
 *         int32_t execute_with_context(const char *params, int32_t params_len,
 *                                      const char *ctx, int32_t ctx_len)
 *         CONDUCTOR_EXPORT("shutdown") void shutdown(void)      optional
 *
 *     At least one of the two execute functions is needed; the host prefers
 *     execute_with_context when there is a trigger context. They return 0 for
 *     success, any other value is the plugin's error code. params and ctx are UTF-8
 *     JSON objects and are NOT NUL-terminated: always use the length.
 *   - small helpers to read a number, a boolean or a string field of those JSON
 *     objects (conductor_json_int, conductor_json_bool, conductor_json_string).
 *
 * The header is self-contained: it defines everything `static inline`, so include it
 * in one or several files. It uses <stdint.h>, <stddef.h>, <string.h> and, for
 * CONDUCTOR_ALLOCATOR and conductor_logf, <stdlib.h> and <stdio.h> from wasi-libc;
 * define CONDUCTOR_PLUGIN_NO_LIBC before including it to leave those two out.
 */
#ifndef CONDUCTOR_PLUGIN_H
#define CONDUCTOR_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifndef CONDUCTOR_PLUGIN_NO_LIBC
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#endif

#if !defined(__wasm32__)
#error "conductor_plugin.h is for plugins built for WebAssembly: clang --target=wasm32-wasi"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------ */
/* Imports and exports                                                             */

/** Declares a function of the host's `conductor` import module. */
#define CONDUCTOR_IMPORT(name) \
    __attribute__((import_module("conductor"), import_name(name)))

/** Exports a function to the host under `name` (e.g. "execute"). */
#define CONDUCTOR_EXPORT(name) __attribute__((export_name(name), visibility("default")))

/** Result codes of the host functions (docs/plugin-abi.md, "Error codes"). After a
 * failure the result buffer holds a UTF-8 message saying what went wrong. */
enum conductor_code {
    CONDUCTOR_OK = 0,
    /** A pointer/length pair lies outside the plugin's memory. */
    CONDUCTOR_ERR_MEMORY = -1,
    /** Malformed request: bad JSON, missing field, not one MIDI message, ... */
    CONDUCTOR_ERR_INVALID = -2,
    /** Capability not granted, host not in allowed_hosts, scheme not allowed. */
    CONDUCTOR_ERR_DENIED = -3,
    /** The request did not finish in time. */
    CONDUCTOR_ERR_TIMEOUT = -4,
    /** DNS, connection or TLS failure; a command that cannot be started. */
    CONDUCTOR_ERR_IO = -5,
    /** A request or an answer is larger than its cap. */
    CONDUCTOR_ERR_TOO_LARGE = -6,
    /** Nobody receives it: no MIDI output open, no application handler. */
    CONDUCTOR_ERR_UNAVAILABLE = -7,
    /** The application's handler refused the request. */
    CONDUCTOR_ERR_REJECTED = -8
};

/** Levels for conductor_log. */
enum conductor_log_level {
    CONDUCTOR_LOG_DEBUG = 0,
    CONDUCTOR_LOG_INFO = 1,
    CONDUCTOR_LOG_WARN = 2,
    CONDUCTOR_LOG_ERROR = 3
};

/** log(level, ptr, len): writes UTF-8 text to the host's log under the plugin's
 * name. Always available; leaves the result buffer alone. */
CONDUCTOR_IMPORT("log")
int32_t conductor_log_bytes(int32_t level, const void *ptr, int32_t len);

/** result_len(): length of the result buffer (the last call's answer or error). */
CONDUCTOR_IMPORT("result_len")
int32_t conductor_result_len(void);

/** result_read(ptr, len): copies min(result_len, len) bytes to ptr; returns how
 * many. The buffer stays as it is. */
CONDUCTOR_IMPORT("result_read")
int32_t conductor_result_read(void *ptr, int32_t len);

/** http_request (Network): JSON head {"method","url","headers","timeout_ms"} and a
 * body. Returns the HTTP status; the answer is framed: JSON head, '\n', body. */
CONDUCTOR_IMPORT("http_request")
int32_t conductor_http_request(const void *head, int32_t head_len, const void *body,
                               int32_t body_len);

/** midi_send (Midi): sends exactly one complete MIDI message to the engine's
 * output. */
CONDUCTOR_IMPORT("midi_send")
int32_t conductor_midi_send(const void *bytes, int32_t len);

/** process_run (Subprocess, needs an explicit grant): JSON head {"argv": [...],
 * "timeout_ms"} and the command's standard input. */
CONDUCTOR_IMPORT("process_run")
int32_t conductor_process_run(const void *head, int32_t head_len, const void *input,
                              int32_t input_len);

/** system_request (SystemControl, needs an explicit grant): JSON for the
 * application's handler; its JSON answer is the result. */
CONDUCTOR_IMPORT("system_request")
int32_t conductor_system_request(const void *json, int32_t len);

/** audio_request (Audio): JSON for the application's handler. */
CONDUCTOR_IMPORT("audio_request")
int32_t conductor_audio_request(const void *json, int32_t len);

/** websocket_exchange (Network): one short WebSocket conversation. JSON head
 * {"url": "wss://...", "send": ["text", {"binary": [1, 2]}], "receive": 1,
 * "timeout_ms": 2000, "headers": {...}}. Returns how many messages were received; the
 * answer is framed: {"messages": [{"type", "len"}], "closed", ...}, '\n', their
 * bytes one after the other. */
CONDUCTOR_IMPORT("websocket_exchange")
int32_t conductor_websocket_exchange(const void *head, int32_t head_len);

/** output_set: sets the bytes the current execute call returns to its caller (at
 * most the host's max_output_bytes). Always available. */
CONDUCTOR_IMPORT("output_set")
int32_t conductor_output_set(const void *bytes, int32_t len);

/** var_get: reads the host-kept variable `key` into the result buffer; returns 1
 * when it exists, 0 when not. Always available. */
CONDUCTOR_IMPORT("var_get")
int32_t conductor_var_get(const void *key, int32_t key_len);

/** var_set: sets the host-kept variable `key` (an empty value removes it); the host
 * saves it at once. Always available. */
CONDUCTOR_IMPORT("var_set")
int32_t conductor_var_set(const void *key, int32_t key_len, const void *value,
                          int32_t value_len);

/** config_get: reads the plugin's static configuration value `key` into the result
 * buffer; returns 1 when it exists, 0 when not. Always available. */
CONDUCTOR_IMPORT("config_get")
int32_t conductor_config_get(const void *key, int32_t key_len);

/* ------------------------------------------------------------------------------ */
/* Export helpers                                                                   */

/** Defines the `capabilities` export returning `json`, a string literal holding a
 * JSON array of capability names (Network, Audio, Midi, Filesystem, Subprocess,
 * SystemControl). The host reads it as a NUL-terminated string. It runs in a sealed
 * instance before anything else: it must only return the text. */
#define CONDUCTOR_CAPABILITIES(json)                                              \
    CONDUCTOR_EXPORT("capabilities") const char *conductor_capabilities_(void) { \
        return json;                                                              \
    }

#ifndef CONDUCTOR_PLUGIN_NO_LIBC
/** Defines the `alloc` and `dealloc` exports on malloc and free, so the host places
 * params and context in memory the plugin owns. Optional: without them the host uses
 * a scratch region of its own. */
#define CONDUCTOR_ALLOCATOR                                                   \
    CONDUCTOR_EXPORT("alloc") void *conductor_alloc_(int32_t len) {           \
        return malloc(len > 0 ? (size_t)len : 1);                            \
    }                                                                         \
    CONDUCTOR_EXPORT("dealloc") void conductor_dealloc_(void *ptr, int32_t len) { \
        (void)len;                                                            \
        free(ptr);                                                            \
    }
#endif

/* ------------------------------------------------------------------------------ */
/* Host function helpers                                                            */

/** Logs a NUL-terminated string at `level`. */
static inline int32_t conductor_log(int32_t level, const char *text) {
    return conductor_log_bytes(level, text, (int32_t)strlen(text));
}

#ifndef CONDUCTOR_PLUGIN_NO_LIBC
/** Logs printf-style text (up to 1023 bytes) at `level`. */
__attribute__((format(printf, 2, 3))) static inline int32_t
conductor_logf(int32_t level, const char *format, ...) {
    char line[1024];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (n < 0) return CONDUCTOR_ERR_INVALID;
    if ((size_t)n >= sizeof line) n = (int)sizeof line - 1;
    return conductor_log_bytes(level, line, n);
}
#endif

/** Copies the result buffer into `buf` (at most `cap - 1` bytes) and NUL-terminates
 * it. Returns the full length of the buffer, which may be more than was copied. */
static inline int32_t conductor_result_copy(char *buf, size_t cap) {
    int32_t len = conductor_result_len();
    if (cap == 0) return len;
    int32_t n = conductor_result_read(buf, (int32_t)(cap - 1));
    if (n < 0) n = 0;
    buf[n] = '\0';
    return len;
}

/* ------------------------------------------------------------------------------ */
/* Reading the params and context JSON                                              */
/*
 * Enough JSON to read the fields of a flat object such as the params
 * ({"cc": 7, "name": "x"}) or the trigger context ({"velocity": 100, "note": 60, ...}).
 * conductor_json_find looks up a key of the top-level object (nested objects, arrays
 * and strings are skipped whole, so a key inside them is never matched); keys are
 * compared byte for byte, without decoding escapes. Everything stays within
 * `len`, whatever the bytes are.
 */

static inline const char *conductor_json_ws_(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

/* p at the opening quote: returns the position after the closing one, or NULL. */
static inline const char *conductor_json_skip_string_(const char *p, const char *end) {
    for (p++; p < end; p++) {
        if (*p == '\\') {
            p++;
        } else if (*p == '"') {
            return p + 1;
        }
    }
    return NULL;
}

/* Returns the position after the value starting at p, or NULL if it is cut short. */
static inline const char *conductor_json_skip_value_(const char *p, const char *end) {
    if (p >= end) return NULL;
    if (*p == '"') return conductor_json_skip_string_(p, end);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (p < end) {
            if (*p == '"') {
                p = conductor_json_skip_string_(p, end);
                if (!p) return NULL;
                continue;
            }
            if (*p == '{' || *p == '[') depth++;
            if (*p == '}' || *p == ']') {
                if (--depth == 0) return p + 1;
            }
            p++;
        }
        return NULL;
    }
    while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' &&
           *p != '\n' && *p != '\r')
        p++;
    return p;
}

/** Finds `key` in the top-level JSON object `json[0..len)`. On success sets
 * `*value` and `*value_len` to the raw JSON text of its value (`100`, `"text"`,
 * `null`, `{...}`) and returns 1; returns 0 when the key is absent or the text is not
 * an object. */
static inline int conductor_json_find(const char *json, size_t len, const char *key,
                                      const char **value, size_t *value_len) {
    const char *p = json, *end = json + len;
    size_t key_len = strlen(key);
    p = conductor_json_ws_(p, end);
    if (p >= end || *p != '{') return 0;
    p++;
    for (;;) {
        p = conductor_json_ws_(p, end);
        if (p >= end || *p != '"') return 0;
        const char *name = p + 1;
        const char *after = conductor_json_skip_string_(p, end);
        if (!after) return 0;
        size_t name_len = (size_t)(after - 1 - name);
        p = conductor_json_ws_(after, end);
        if (p >= end || *p != ':') return 0;
        p = conductor_json_ws_(p + 1, end);
        const char *value_end = conductor_json_skip_value_(p, end);
        if (!value_end) return 0;
        if (name_len == key_len && memcmp(name, key, key_len) == 0) {
            *value = p;
            *value_len = (size_t)(value_end - p);
            return 1;
        }
        p = conductor_json_ws_(value_end, end);
        if (p >= end || *p != ',') return 0;
        p++;
    }
}

/** Reads the integer field `key` into `*out`. Returns 1 when it is present and a
 * number without fraction or exponent that fits in a long long, else 0 (absent,
 * `null`, a string, ...); `*out` is left alone then. */
static inline int conductor_json_int(const char *json, size_t len, const char *key,
                                     long long *out) {
    const char *v;
    size_t n;
    if (!conductor_json_find(json, len, key, &v, &n) || n == 0) return 0;
    size_t i = 0;
    int negative = 0;
    if (v[0] == '-') {
        negative = 1;
        i = 1;
    }
    if (i >= n) return 0;
    unsigned long long value = 0;
    for (; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') return 0;
        if (value > (unsigned long long)INT64_MAX / 10) return 0;
        value = value * 10 + (unsigned long long)(v[i] - '0');
        if (value > (unsigned long long)INT64_MAX) return 0;
    }
    *out = negative ? -(long long)value : (long long)value;
    return 1;
}

/** Reads the boolean field `key` into `*out` (1 or 0). Returns 1 when it is `true`
 * or `false`, else 0. */
static inline int conductor_json_bool(const char *json, size_t len, const char *key,
                                      int *out) {
    const char *v;
    size_t n;
    if (!conductor_json_find(json, len, key, &v, &n)) return 0;
    if (n == 4 && memcmp(v, "true", 4) == 0) {
        *out = 1;
        return 1;
    }
    if (n == 5 && memcmp(v, "false", 5) == 0) {
        *out = 0;
        return 1;
    }
    return 0;
}

/** Copies the string field `key` into `buf` (NUL-terminated, cut at `cap - 1`
 * bytes), decoding the escapes \" \\ \/ \b \f \n \r \t (a \uXXXX escape becomes '?').
 * Returns the decoded length (which may exceed what was copied), or -1 when the key
 * is absent or not a string. */
static inline long conductor_json_string(const char *json, size_t len, const char *key,
                                         char *buf, size_t cap) {
    const char *v;
    size_t n;
    if (!conductor_json_find(json, len, key, &v, &n) || n < 2 || v[0] != '"') return -1;
    size_t out = 0;
    for (size_t i = 1; i + 1 < n; i++) {
        char c = v[i];
        if (c == '\\' && i + 2 < n) {
            char e = v[++i];
            switch (e) {
                case 'b': c = '\b'; break;
                case 'f': c = '\f'; break;
                case 'n': c = '\n'; break;
                case 'r': c = '\r'; break;
                case 't': c = '\t'; break;
                case 'u': c = '?'; i += (i + 4 < n - 1) ? 4 : 0; break;
                default: c = e; break;
            }
        }
        if (cap > 0 && out < cap - 1) buf[out] = c;
        out++;
    }
    if (cap > 0) buf[out < cap ? out : cap - 1] = '\0';
    return (long)out;
}

#ifdef __cplusplus
}
#endif

#endif /* CONDUCTOR_PLUGIN_H */

/*
 * The C contender of the Conductor benchmarks, driven by `conductor-bench`.
 * It links libconductor (target/release/libconductor.so) as a C application would.
 *
 * Usage:
 *   conductor-bench-c plugin <plugin.wasm> <params-file> [<context-file>]
 *   conductor-bench-c engine <config.toml> <base-dir>
 *
 * `plugin` times conductor_plugin_execute (or _execute_with_context when a context
 * file is given) on one loaded plugin; `engine` times conductor_engine_process of a
 * note-on (0x90 60 100) and frees the fired list it returns.
 *
 * Protocol (see benchmarks/src/worker.rs): print "ready"; for each "run N" line
 * perform the operation N times and print "samples <ns> ..."; "quit" ends it. Each
 * sample is one call timed with clock_gettime(CLOCK_MONOTONIC).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conductor.h"

static conductor_plugin_host_t *host;
static conductor_plugin_t *plugin;
static conductor_engine_t *engine;
static char *params;
static size_t params_len;
static char *context;
static size_t context_len;

static void say_error(const char *what, conductor_error_t *error) {
    size_t len = 0;
    const char *message = error ? conductor_error_message(error, &len) : "unknown error";
    printf("error %s: %.*s\n", what, (int)len, message);
    fflush(stdout);
    conductor_error_delete(error);
}

static char *read_file(const char *path, size_t *len_out) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[size] = '\0';
        *len_out = (size_t)size;
    }
    return buf;
}

/* Plugin output and host messages are not part of what is measured. */
static void quiet_log(void *user_data, conductor_log_level_t level, conductor_log_source_t source,
                      const char *plugin_name, const char *message) {
    (void)user_data;
    (void)level;
    (void)source;
    (void)plugin_name;
    (void)message;
}

static conductor_host_config_t *quiet_config(void) {
    conductor_host_config_t *config = conductor_host_config_new();
    conductor_host_config_set_log_callback(config, quiet_log, NULL, NULL, NULL);
    return config;
}

static int op_plugin(conductor_error_t **error) {
    if (context) {
        return conductor_plugin_execute_with_context(plugin, (const uint8_t *)params, params_len,
                                                     (const uint8_t *)context, context_len, error);
    }
    return conductor_plugin_execute(plugin, (const uint8_t *)params, params_len, error);
}

static int op_engine(conductor_error_t **error) {
    static const uint8_t note_on[3] = {0x90, 60, 100};
    conductor_fired_list_t *fired = NULL;
    int status = conductor_engine_process(engine, note_on, sizeof note_on, 0, &fired, error);
    if (status == CONDUCTOR_OK) {
        size_t n = conductor_fired_list_len(fired);
        conductor_fired_list_delete(fired);
        if (n != 1) {
            printf("error expected one mapping to fire, got %zu\n", n);
            fflush(stdout);
            return -1;
        }
    }
    return status;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv) {
    int (*op)(conductor_error_t **) = NULL;
    conductor_error_t *error = NULL;
    if (argc >= 4 && strcmp(argv[1], "plugin") == 0) {
        params = read_file(argv[3], &params_len);
        if (!params) {
            printf("error cannot read %s\n", argv[3]);
            return 1;
        }
        if (argc >= 5) {
            context = read_file(argv[4], &context_len);
            if (!context) {
                printf("error cannot read %s\n", argv[4]);
                return 1;
            }
        }
        conductor_host_config_t *config = quiet_config();
        if (conductor_plugin_host_new(config, &host, &error) != CONDUCTOR_OK) {
            say_error("conductor_plugin_host_new", error);
            return 1;
        }
        conductor_host_config_delete(config);
        if (conductor_plugin_host_load(host, argv[2], strlen(argv[2]), NULL, &plugin, &error) != CONDUCTOR_OK) {
            say_error("conductor_plugin_host_load", error);
            return 1;
        }
        op = op_plugin;
    } else if (argc >= 4 && strcmp(argv[1], "engine") == 0) {
        size_t toml_len = 0;
        char *toml = read_file(argv[2], &toml_len);
        if (!toml) {
            printf("error cannot read %s\n", argv[2]);
            return 1;
        }
        conductor_host_config_t *config = quiet_config();
        conductor_engine_options_t *options = conductor_engine_options_new();
        conductor_engine_options_set_host_config(options, config, NULL);
        if (conductor_engine_new_from_toml(toml, toml_len, argv[3], strlen(argv[3]), options, &engine,
                                           &error) != CONDUCTOR_OK) {
            say_error("conductor_engine_new_from_toml", error);
            return 1;
        }
        conductor_engine_options_delete(options);
        conductor_host_config_delete(config);
        free(toml);
        op = op_engine;
    } else {
        fprintf(stderr,
                "usage: %s plugin <plugin.wasm> <params-file> [<context-file>]\n"
                "       %s engine <config.toml> <base-dir>\n",
                argv[0], argv[0]);
        return 2;
    }
    if (op(&error) != CONDUCTOR_OK) {
        say_error("the first call", error);
        return 1;
    }
    printf("ready\n");
    fflush(stdout);

    char line[128];
    uint64_t *samples = NULL;
    size_t capacity = 0;
    while (fgets(line, sizeof line, stdin)) {
        size_t n = 0;
        if (strncmp(line, "quit", 4) == 0) {
            break;
        }
        if (sscanf(line, "run %zu", &n) != 1) {
            printf("error unknown command %s", line);
            fflush(stdout);
            continue;
        }
        if (n > capacity) {
            free(samples);
            samples = malloc(n * sizeof *samples);
            capacity = samples ? n : 0;
            if (!samples) {
                printf("error out of memory\n");
                fflush(stdout);
                continue;
            }
        }
        int failed = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t start = now_ns();
            int status = op(&error);
            samples[i] = now_ns() - start;
            if (status != CONDUCTOR_OK) {
                if (status > 0) {
                    say_error("a call", error);
                }
                failed = 1;
                break;
            }
        }
        if (failed) {
            continue;
        }
        fputs("samples", stdout);
        for (size_t i = 0; i < n; i++) {
            printf(" %llu", (unsigned long long)samples[i]);
        }
        putchar('\n');
        fflush(stdout);
    }
    free(samples);
    conductor_plugin_delete(plugin);
    conductor_plugin_host_delete(host);
    conductor_engine_delete(engine);
    free(params);
    free(context);
    return 0;
}

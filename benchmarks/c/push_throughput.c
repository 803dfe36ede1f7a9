/*
 * Throughput of conductor_engine_push from C, with a producer that never gives up on
 * an event: when the queue is full it yields, then pushes the same event again. Built and run by `conductor-bench` (comparison 4c); it links
 * libconductor (target/release/libconductor.so) as a C application would.
 *
 * Usage:
 *   conductor-bench-push-throughput <config.toml> <base-dir> <send|none> <events> <runs> [log-callback]
 *
 *   send  pushes note-on 60, whose mapping fires a SendMidi; the MIDI-out callback
 *         counts deliveries and a run ends when all <events> were delivered.
 *   none  pushes note-on 62, which fires nothing; a run ends when
 *         conductor_engine_wait_idle returns.
 *   log-callback  registers a C log callback that discards every line (as an
 *         application routing the engine's log into its own would) instead of the
 *         default sink (stderr, info and above).
 *
 * One warm-up run of a tenth of <events>, then <runs> runs, each printing one line:
 *
 *   result <mode> <events> <elapsed ns> <delivered> <refused pushes> <dropped delta> <bad bytes>
 *
 * where <refused pushes> counts the pushes the queue refused (each was retried until
 * it was accepted) and <dropped delta> is what conductor_engine_dropped counted during
 * the run: the two must be equal, and <delivered> must equal <events> (send mode).
 * Errors print `error <message>` and exit non-zero.
 */
#define _POSIX_C_SOURCE 200809L
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conductor.h"

/* What the SendMidi mapping on note 60 sends (see the config the harness writes). */
static const uint8_t expected_out[3] = {0x90, 61, 1};

/* Written only by the engine thread (single writer), read by the producer. */
static _Atomic uint64_t delivered;
static _Atomic uint64_t bad_bytes;

/*
 * The MIDI-out callback in its four-argument form (the library passes the event's
 * timestamp). It only counts, so what is measured is the engine, not the callback.
 */
static void on_midi_out(void *user_data, const uint8_t *bytes, size_t len, uint64_t timestamp_us) {
    (void)user_data;
    (void)timestamp_us;
    if (len != sizeof expected_out || memcmp(bytes, expected_out, len) != 0) {
        atomic_store_explicit(&bad_bytes, atomic_load_explicit(&bad_bytes, memory_order_relaxed) + 1,
                              memory_order_relaxed);
    }
    atomic_store_explicit(&delivered, atomic_load_explicit(&delivered, memory_order_relaxed) + 1,
                          memory_order_release);
}

static void discard_log(void *user_data, conductor_log_level_t level, conductor_log_source_t source,
                        const char *plugin_name, const char *message) {
    (void)user_data;
    (void)level;
    (void)source;
    (void)plugin_name;
    (void)message;
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

static void fail(const char *what, conductor_error_t *error) {
    size_t len = 0;
    const char *message = error ? conductor_error_message(error, &len) : "unknown error";
    printf("error %s: %.*s\n", what, (int)len, message);
    fflush(stdout);
    conductor_error_delete(error);
    exit(1);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Pushes `events` copies of `message`, retrying each refused push until it is
 * accepted. After a refusal the producer yields its core before trying again: the
 * queue is full, so the engine thread has a whole queue of work, and retrying at once
 * only pulls the queue's cache lines away from it (a spinning back-off of 1 to 256
 * pause instructions measured about a third slower here); on a loaded machine the
 * yield also lets the engine thread run. Returns the number of refused attempts.
 */
static uint64_t push_all(const conductor_engine_t *engine, const uint8_t *message, uint64_t events) {
    uint64_t refused = 0;
    for (uint64_t i = 0; i < events; i++) {
        while (!conductor_engine_push(engine, message, 3, i)) {
            refused++;
            sched_yield();
        }
    }
    return refused;
}

/* One run; prints its result line. Returns false when something was lost. */
static bool run_once(const conductor_engine_t *engine, bool send, uint64_t events, bool print) {
    static const uint8_t fires_send[3] = {0x90, 60, 100};
    static const uint8_t fires_nothing[3] = {0x90, 62, 100};
    conductor_error_t *error = NULL;
    uint64_t delivered_before = atomic_load_explicit(&delivered, memory_order_acquire);
    uint64_t dropped_before = conductor_engine_dropped(engine);

    uint64_t start = now_ns();
    uint64_t refused = push_all(engine, send ? fires_send : fires_nothing, events);
    if (send) {
        uint64_t target = delivered_before + events;
        uint64_t give_up = now_ns() + 120ull * 1000000000ull;
        while (atomic_load_explicit(&delivered, memory_order_acquire) < target) {
            sched_yield();
            if (now_ns() > give_up) {
                break;
            }
        }
    } else {
        bool drained = false;
        if (conductor_engine_wait_idle(engine, 120000, &drained, &error) != CONDUCTOR_OK) {
            fail("conductor_engine_wait_idle", error);
        }
        if (!drained) {
            printf("error the engine did not drain its queue within 2 minutes\n");
            fflush(stdout);
            exit(1);
        }
    }
    uint64_t elapsed = now_ns() - start;
    uint64_t got = atomic_load_explicit(&delivered, memory_order_acquire) - delivered_before;
    uint64_t dropped = conductor_engine_dropped(engine) - dropped_before;
    if (print) {
        printf("result %s %llu %llu %llu %llu %llu %llu\n", send ? "send" : "none",
               (unsigned long long)events, (unsigned long long)elapsed, (unsigned long long)got,
               (unsigned long long)refused, (unsigned long long)dropped,
               (unsigned long long)atomic_load_explicit(&bad_bytes, memory_order_relaxed));
        fflush(stdout);
    }
    return (!send || got == events) && dropped == refused;
}

int main(int argc, char **argv) {
    if (argc < 6 || (strcmp(argv[3], "send") != 0 && strcmp(argv[3], "none") != 0)) {
        fprintf(stderr, "usage: %s <config.toml> <base-dir> <send|none> <events> <runs> [log-callback]\n",
                argv[0]);
        return 2;
    }
    bool send = strcmp(argv[3], "send") == 0;
    uint64_t events = strtoull(argv[4], NULL, 10);
    unsigned long runs = strtoul(argv[5], NULL, 10);
    bool log_callback = argc >= 7 && strcmp(argv[6], "log-callback") == 0;
    if (events == 0 || runs == 0) {
        fprintf(stderr, "events and runs must be positive\n");
        return 2;
    }

    size_t toml_len = 0;
    char *toml = read_file(argv[1], &toml_len);
    if (!toml) {
        printf("error cannot read %s\n", argv[1]);
        return 1;
    }
    conductor_error_t *error = NULL;
    conductor_host_config_t *config = conductor_host_config_new();
    if (log_callback &&
        conductor_host_config_set_log_callback(config, discard_log, NULL, NULL, &error) != CONDUCTOR_OK) {
        fail("conductor_host_config_set_log_callback", error);
    }
    conductor_engine_options_t *options = conductor_engine_options_new();
    if (conductor_engine_options_set_host_config(options, config, &error) != CONDUCTOR_OK) {
        fail("conductor_engine_options_set_host_config", error);
    }
    /* The library calls the MIDI-out callback with four arguments. The cast (through
     * a generic function pointer, which -Wcast-function-type accepts) is a no-op with a
     * header that declares the four-argument type, and keeps this file building
     * against one that still declares three. */
    conductor_midi_out_callback_t callback = (conductor_midi_out_callback_t)(void (*)(void))on_midi_out;
    if (conductor_engine_options_set_midi_out_callback(options, callback, NULL, NULL, &error) != CONDUCTOR_OK) {
        fail("conductor_engine_options_set_midi_out_callback", error);
    }
    conductor_engine_t *engine = NULL;
    if (conductor_engine_new_from_toml(toml, toml_len, argv[2], strlen(argv[2]), options, &engine, &error) !=
        CONDUCTOR_OK) {
        fail("conductor_engine_new_from_toml", error);
    }
    conductor_engine_options_delete(options);
    conductor_host_config_delete(config);
    free(toml);

    bool ok = run_once(engine, send, events / 10 + 1, false);
    for (unsigned long r = 0; r < runs; r++) {
        ok = run_once(engine, send, events, true) && ok;
    }
    if (conductor_engine_shutdown(engine, &error) != CONDUCTOR_OK) {
        fail("conductor_engine_shutdown", error);
    }
    conductor_engine_delete(engine);
    return ok ? 0 : 3;
}

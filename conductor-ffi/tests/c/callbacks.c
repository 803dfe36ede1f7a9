/*
 * callbacks.c: the engine's callbacks and execution model, from C. Each check is a
 * command-line argument:
 *
 *   callbacks reentrant | plugin_worker_callbacks | shutdown_from_callback |
 *             delete_from_callback | slow_delay_beside_fast | slow_plugin_beside_fast |
 *             midi_out_timestamps | refused_plugin_calls
 *
 * A scratch folder and plugins come from the environment: WORK_DIR, MY_MIDI_PLUGIN,
 * SLEEP_PLUGIN and SDK_MIDI_PLUGIN (paths to .wasm files). Prints what it saw and
 * "CHECK: N failure(s)"; exits non-zero if any expectation fails. Waits are bounded
 * (wait_idle with a timeout, polls with a deadline), so a deadlock fails the check
 * instead of hanging it.
 */

#define _POSIX_C_SOURCE 200809L

#include <conductor.h>

#include "check.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- time, threads, environment ---- */

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

/* The calling thread's name (Linux truncates names to 15 bytes: "conductor-engin"). */
static void thread_name(char *out, size_t size) {
    FILE *file = fopen("/proc/thread-self/comm", "r");
    out[0] = '\0';
    if (file) {
        if (fgets(out, (int)size, file)) {
            out[strcspn(out, "\n")] = '\0';
        }
        fclose(file);
    }
}

static bool on_thread(const char *prefix) {
    char name[64];
    thread_name(name, sizeof name);
    return strncmp(name, prefix, strlen(prefix)) == 0;
}

/* The engine thread ("conductor-engine") and plugin workers ("conductor-plugin-NAME"). */
#define ENGINE_THREAD "conductor-engin"
#define WORKER_THREAD "conductor-plugi"

/* How many of the process's threads are engine threads (an engine thread or a plugin
 * worker; process-wide threads such as "conductor-epoch" do not count). A new thread
 * names itself as it starts, so count after the engine has had time to start. */
static int engine_threads(void) {
    DIR *dir = opendir("/proc/self/task");
    struct dirent *entry;
    int count = 0;
    if (dir == NULL) {
        return -1;
    }
    while ((entry = readdir(dir)) != NULL) {
        char path[512];
        char name[64] = "";
        FILE *file;
        if (entry->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", entry->d_name);
        file = fopen(path, "r");
        if (file) {
            if (fgets(name, sizeof name, file) &&
                (strncmp(name, ENGINE_THREAD, strlen(ENGINE_THREAD)) == 0 ||
                 strncmp(name, WORKER_THREAD, strlen(WORKER_THREAD)) == 0)) {
                count++;
            }
            fclose(file);
        }
    }
    closedir(dir);
    return count;
}

/* Waits up to `ms` for there to be `count` engine threads; returns whether there are. */
static bool engine_threads_become(int count, long ms) {
    double deadline = now_ms() + (double)ms;
    while (engine_threads() != count) {
        if (now_ms() > deadline) {
            return false;
        }
        sleep_ms(2);
    }
    return true;
}

/* ---- what the callbacks saw ---- */

enum { MAX_SEEN = 64 };

struct midi_seen {
    uint8_t note;
    uint64_t timestamp_us;
    double at_ms;
    char thread[64];
};

static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static struct midi_seen midi[MAX_SEEN];
static int midi_count = 0;
/* Plugin output lines ("woke slow", "Plugin shutting down") and when they came. */
static char lines[MAX_SEEN][128];
static double line_at[MAX_SEEN];
static int line_count = 0;
/* Labels of mappings reported to the fired callback, in order, and when. */
static char fired_labels[MAX_SEEN][64];
static double fired_at[MAX_SEEN];
static int fired_count = 0;

static void record_midi(const uint8_t *bytes, size_t len, uint64_t timestamp_us) {
    pthread_mutex_lock(&seen_lock);
    if (midi_count < MAX_SEEN && len >= 2) {
        midi[midi_count].note = bytes[1];
        midi[midi_count].timestamp_us = timestamp_us;
        midi[midi_count].at_ms = now_ms();
        thread_name(midi[midi_count].thread, sizeof midi[midi_count].thread);
        midi_count++;
    }
    pthread_mutex_unlock(&seen_lock);
}

static void record_fired(const conductor_fired_t *fired) {
    pthread_mutex_lock(&seen_lock);
    if (fired_count < MAX_SEEN) {
        snprintf(fired_labels[fired_count], sizeof fired_labels[0], "%s", conductor_fired_label(fired));
        fired_at[fired_count] = now_ms();
        fired_count++;
    }
    pthread_mutex_unlock(&seen_lock);
}

/* When plugin output `line` was first seen, or -1. */
static double line_seen(const char *line) {
    double at = -1;
    int i;
    pthread_mutex_lock(&seen_lock);
    for (i = 0; i < line_count; i++) {
        if (strcmp(lines[i], line) == 0) {
            at = line_at[i];
            break;
        }
    }
    pthread_mutex_unlock(&seen_lock);
    return at;
}

/* When MIDI out with `note` as its second byte was first seen, or -1. */
static double midi_seen(uint8_t note) {
    double at = -1;
    int i;
    pthread_mutex_lock(&seen_lock);
    for (i = 0; i < midi_count; i++) {
        if (midi[i].note == note) {
            at = midi[i].at_ms;
            break;
        }
    }
    pthread_mutex_unlock(&seen_lock);
    return at;
}

/* When the fired callback was told about the mapping labelled `label`, or -1. */
static double fired_seen(const char *label) {
    double at = -1;
    int i;
    pthread_mutex_lock(&seen_lock);
    for (i = 0; i < fired_count; i++) {
        if (strcmp(fired_labels[i], label) == 0) {
            at = fired_at[i];
            break;
        }
    }
    pthread_mutex_unlock(&seen_lock);
    return at;
}

/* Keeps plugin output lines; drops the host's. */
static void on_log(void *user_data, conductor_log_level_t level, conductor_log_source_t source,
                   const char *plugin, const char *message) {
    (void)user_data, (void)level, (void)plugin;
    if (source == CONDUCTOR_LOG_SOURCE_HOST) {
        return;
    }
    pthread_mutex_lock(&seen_lock);
    if (line_count < MAX_SEEN) {
        snprintf(lines[line_count], sizeof lines[0], "%s", message);
        line_at[line_count] = now_ms();
        line_count++;
    }
    pthread_mutex_unlock(&seen_lock);
}

/* Engine options with caches and plugin data under WORK_DIR and plugin output kept. */
static conductor_engine_options_t *options_new(void) {
    conductor_host_config_t *config = conductor_host_config_new();
    conductor_engine_options_t *options = conductor_engine_options_new();
    char data[4096];
    snprintf(data, sizeof data, "%s/data", env_path("WORK_DIR"));
    EXPECT_OK("set_data_root", conductor_host_config_set_data_root(config, data, strlen(data), &error));
    EXPECT_OK("set_log_callback", conductor_host_config_set_log_callback(config, on_log, NULL, NULL, &error));
    EXPECT_OK("set_host_config", conductor_engine_options_set_host_config(options, config, &error));
    conductor_host_config_delete(config);
    return options;
}

static conductor_engine_t *engine_new(const char *toml, const conductor_engine_options_t *options) {
    conductor_engine_t *engine = NULL;
    EXPECT_OK("new_from_toml", conductor_engine_new_from_toml(toml, strlen(toml), NULL, 0, options, &engine, &error));
    if (engine == NULL) {
        printf("the engine did not load\n");
        exit(1);
    }
    return engine;
}

/* Waits for the engine from this (non-engine) thread; a deadlock shows as a timeout. */
static void expect_idle(conductor_engine_t *engine, uint64_t timeout_ms) {
    bool drained = false;
    double started = now_ms();
    EXPECT_OK("wait_idle", conductor_engine_wait_idle(engine, timeout_ms, &drained, &error));
    EXPECT(drained);
    if (!drained) {
        printf("not idle after %.0f ms\n", now_ms() - started);
    }
}

static const uint8_t NOTE_60[] = {0x90, 60, 100};
static const uint8_t NOTE_61[] = {0x90, 61, 100};
static const uint8_t NOTE_62[] = {0x90, 62, 100};

/* ---- reentrant: the push path's callbacks call back into their engine ---- */

static const char REENTRANT_TOML[] =
    "[[modes]]\nname = \"Default\"\n"
    "[[modes.mappings]]\ndescription = \"probe\"\ntrigger = { Note = { note = 60 } }\n"
    "action = { Sequence = [{ SendMidi = { bytes = [0x90, 100, 1] } }, { Host = { name = \"probe\" } }] }\n"
    "[[modes.mappings]]\ndescription = \"inner\"\ntrigger = { Note = { note = 61 } }\n"
    "action = { Host = { name = \"inner\" } }\n"
    "[[modes.mappings]]\ndescription = \"pushed\"\ntrigger = { Note = { note = 62 } }\n"
    "action = { Host = { name = \"pushed\" } }\n";

struct reentrant {
    conductor_engine_t *engine;
    pthread_mutex_t lock;
    int probes, inner, pushed, fired_pushed;
    char last_probe[32];
};

/* Calls the engine from inside one of its callbacks; every call must return. */
static void probe_engine(struct reentrant *r, const char *where) {
    conductor_engine_t *engine = r->engine;
    size_t mode = 99;
    char *name = NULL;
    conductor_fired_list_t *fired = NULL;
    bool drained = true;
    uint64_t due = 0;
    double started;
    char what[128];

    snprintf(what, sizeof what, "%s: mode", where);
    EXPECT_OK(what, conductor_engine_mode(engine, &mode, &error));
    EXPECT(mode == 0);
    snprintf(what, sizeof what, "%s: mode_name", where);
    EXPECT_OK(what, conductor_engine_mode_name(engine, &name, &error));
    EXPECT(name != NULL && strcmp(name, "Default") == 0);
    conductor_string_delete(name);
    snprintf(what, sizeof what, "%s: set_mode_index", where);
    EXPECT_OK(what, conductor_engine_set_mode_index(engine, 0, &error));

    /* A nested process runs on this thread and returns what it fired. */
    snprintf(what, sizeof what, "%s: process", where);
    EXPECT_OK(what, conductor_engine_process(engine, NOTE_61, sizeof NOTE_61, 5, &fired, &error));
    EXPECT(conductor_fired_list_len(fired) == 1);
    if (conductor_fired_list_len(fired) == 1) {
        const conductor_fired_t *f = conductor_fired_list_get(fired, 0);
        EXPECT(strcmp(conductor_fired_label(f), "inner") == 0);
        EXPECT(conductor_fired_ok(f) && !conductor_fired_pending(f) && !conductor_fired_resumed(f));
    }
    conductor_fired_list_delete(fired);

    /* A push is handled after this callback returns. */
    EXPECT(conductor_engine_push(engine, NOTE_62, sizeof NOTE_62, 6));
    EXPECT(!conductor_engine_next_due(engine, &due));
    EXPECT(conductor_engine_refused_plugin_calls(engine) == 0);

    /* wait_idle would wait for itself: it fails at once, whatever the timeout. */
    started = now_ms();
    snprintf(what, sizeof what, "%s: wait_idle", where);
    EXPECT_ERROR(what, conductor_engine_wait_idle(engine, 20000, &drained, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "wait_idle cannot be called from a callback");
    EXPECT(now_ms() - started < 5000);
    EXPECT(drained); /* left alone */

    pthread_mutex_lock(&r->lock);
    r->probes++;
    snprintf(r->last_probe, sizeof r->last_probe, "%s", where);
    pthread_mutex_unlock(&r->lock);
}

static void reentrant_midi_out(void *user_data, const uint8_t *bytes, size_t len, uint64_t timestamp_us) {
    EXPECT(on_thread(ENGINE_THREAD));
    record_midi(bytes, len, timestamp_us);
    if (len == 3 && bytes[1] == 100) {
        EXPECT(timestamp_us == 1000);
        probe_engine((struct reentrant *)user_data, "midi out callback");
    }
}

static void reentrant_action(void *user_data, const char *name, const char *json) {
    struct reentrant *r = (struct reentrant *)user_data;
    (void)json;
    EXPECT(on_thread(ENGINE_THREAD));
    if (strcmp(name, "probe") == 0) {
        probe_engine(r, "action callback");
    } else {
        pthread_mutex_lock(&r->lock);
        if (strcmp(name, "inner") == 0) {
            r->inner++;
        } else if (strcmp(name, "pushed") == 0) {
            r->pushed++;
        }
        pthread_mutex_unlock(&r->lock);
    }
}

static void reentrant_fired(void *user_data, const conductor_fired_t *fired) {
    struct reentrant *r = (struct reentrant *)user_data;
    const char *label = conductor_fired_label(fired);
    EXPECT(on_thread(ENGINE_THREAD));
    /* Told once per chain, when it has finished. */
    EXPECT(!conductor_fired_pending(fired) && !conductor_fired_resumed(fired));
    EXPECT(strcmp(label, "inner") != 0); /* process() reports to its caller only */
    if (strcmp(label, "probe") == 0) {
        EXPECT(conductor_fired_outcome_count(fired) == 2 && conductor_fired_ok(fired));
        probe_engine(r, "fired callback");
        /* Reloading from a callback works too; running chains finish on the old config. */
        EXPECT_OK("fired callback: reload_toml",
                  conductor_engine_reload_toml(r->engine, REENTRANT_TOML, strlen(REENTRANT_TOML), NULL, 0, &error));
    } else if (strcmp(label, "pushed") == 0) {
        pthread_mutex_lock(&r->lock);
        r->fired_pushed++;
        pthread_mutex_unlock(&r->lock);
    }
}

static void reentrant(void) {
    conductor_engine_options_t *options = options_new();
    struct reentrant r;
    memset(&r, 0, sizeof r);
    pthread_mutex_init(&r.lock, NULL);
    EXPECT_OK("set_midi_out_callback", conductor_engine_options_set_midi_out_callback(options, reentrant_midi_out, &r, NULL, &error));
    EXPECT_OK("set_action_callback", conductor_engine_options_set_action_callback(options, reentrant_action, &r, NULL, &error));
    EXPECT_OK("set_fired_callback", conductor_engine_options_set_fired_callback(options, reentrant_fired, &r, NULL, &error));
    r.engine = engine_new(REENTRANT_TOML, options);

    EXPECT(conductor_engine_push(r.engine, NOTE_60, sizeof NOTE_60, 1000));
    /* The events pushed from the callbacks are handled before the engine is idle. */
    expect_idle(r.engine, 20000);
    pthread_mutex_lock(&r.lock);
    printf("probes %d (last: %s), inner actions %d, pushed actions %d, pushed fired %d\n", r.probes,
           r.last_probe, r.inner, r.pushed, r.fired_pushed);
    EXPECT(r.probes == 3);
    EXPECT(strcmp(r.last_probe, "fired callback") == 0);
    EXPECT(r.inner == 3);
    EXPECT(r.pushed == 3);
    EXPECT(r.fired_pushed == 3);
    pthread_mutex_unlock(&r.lock);

    EXPECT_OK("shutdown", conductor_engine_shutdown(r.engine, &error));
    conductor_engine_delete(r.engine);
    EXPECT(engine_threads() == 0);
    conductor_engine_options_delete(options);
    pthread_mutex_destroy(&r.lock);
}

/* ---- plugin_worker_callbacks: a plugin's MIDI out arrives on its worker ---- */

struct worker_probe {
    conductor_engine_t *engine;
    int probes;
    int inner;
};

static void worker_midi_out(void *user_data, const uint8_t *bytes, size_t len, uint64_t timestamp_us) {
    struct worker_probe *w = (struct worker_probe *)user_data;
    conductor_fired_list_t *fired = NULL;
    bool drained = true;
    size_t mode = 99;
    record_midi(bytes, len, timestamp_us);
    if (len != 3 || bytes[1] != 100) {
        return;
    }
    EXPECT(on_thread(WORKER_THREAD));
    EXPECT(timestamp_us == 2000); /* the time of the event the plugin call serves */
    EXPECT_OK("worker: mode", conductor_engine_mode(w->engine, &mode, &error));
    EXPECT(mode == 0);
    EXPECT_ERROR("worker: wait_idle", conductor_engine_wait_idle(w->engine, 20000, &drained, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "wait_idle cannot be called from a callback");
    /* process() works here, but a plugin step cannot run inside a plugin call. */
    EXPECT_OK("worker: process host action", conductor_engine_process(w->engine, NOTE_62, 3, 5, &fired, &error));
    EXPECT(conductor_fired_list_len(fired) == 1 && conductor_fired_ok(conductor_fired_list_get(fired, 0)));
    conductor_fired_list_delete(fired);
    fired = NULL;
    EXPECT_OK("worker: process plugin", conductor_engine_process(w->engine, NOTE_61, 3, 6, &fired, &error));
    EXPECT(conductor_fired_list_len(fired) == 1);
    if (conductor_fired_list_len(fired) == 1) {
        const conductor_outcome_t *o = conductor_fired_outcome(conductor_fired_list_get(fired, 0), 0);
        const conductor_error_t *e = conductor_outcome_error(o);
        printf("worker: process plugin: %s\n", e ? conductor_error_message(e, NULL) : "ok");
        EXPECT(e != NULL && conductor_error_kind(e) == CONDUCTOR_ERROR_INVALID_ARGUMENT);
        EXPECT(e != NULL && strstr(conductor_error_message(e, NULL), "cannot be called synchronously") != NULL);
    }
    conductor_fired_list_delete(fired);
    EXPECT(conductor_engine_push(w->engine, NOTE_62, 3, 7));
    w->probes++;
}

static void worker_action(void *user_data, const char *name, const char *json) {
    struct worker_probe *w = (struct worker_probe *)user_data;
    (void)json;
    if (strcmp(name, "inner") == 0) {
        /* Once from process() on the worker, once from the push on the engine thread. */
        EXPECT(on_thread(WORKER_THREAD) || on_thread(ENGINE_THREAD));
        __atomic_fetch_add(&w->inner, 1, __ATOMIC_SEQ_CST);
    }
}

static void plugin_worker_callbacks(void) {
    conductor_engine_options_t *options = options_new();
    const char *plugin = env_path("SDK_MIDI_PLUGIN");
    struct worker_probe w;
    char toml[8192];
    memset(&w, 0, sizeof w);
    snprintf(toml, sizeof toml,
             "[[modes]]\nname = \"Default\"\n"
             "[[modes.mappings]]\ntrigger = { Note = { note = 60 } }\n"
             "action = { WasmPlugin = { path = \"%s\", params = { bytes = [0x90, 100, 1] } } }\n"
             "[[modes.mappings]]\ntrigger = { Note = { note = 61 } }\n"
             "action = { WasmPlugin = { path = \"%s\", params = { bytes = [0x90, 101, 1] } } }\n"
             "[[modes.mappings]]\ntrigger = { Note = { note = 62 } }\n"
             "action = { Host = { name = \"inner\" } }\n",
             plugin, plugin);
    EXPECT_OK("grant", conductor_engine_options_grant(options, CONDUCTOR_CAPABILITY_MIDI, &error));
    EXPECT_OK("set_midi_out_callback", conductor_engine_options_set_midi_out_callback(options, worker_midi_out, &w, NULL, &error));
    EXPECT_OK("set_action_callback", conductor_engine_options_set_action_callback(options, worker_action, &w, NULL, &error));
    w.engine = engine_new(toml, options);
    EXPECT(conductor_engine_push(w.engine, NOTE_60, 3, 2000));
    expect_idle(w.engine, 20000);
    printf("worker probes %d, inner actions %d\n", w.probes, __atomic_load_n(&w.inner, __ATOMIC_SEQ_CST));
    EXPECT(w.probes == 1);
    EXPECT(__atomic_load_n(&w.inner, __ATOMIC_SEQ_CST) == 2);
    EXPECT(midi_seen(101) < 0); /* the refused plugin step sent nothing */
    conductor_engine_delete(w.engine);
    EXPECT(engine_threads() == 0);
    conductor_engine_options_delete(options);
}

/* ---- shutdown_from_callback / delete_from_callback ---- */

static const char *stop_toml(char *out, size_t size) {
    snprintf(out, size,
             "[[modes]]\nname = \"Default\"\n"
             "[[modes.mappings]]\ntrigger = { Note = { note = 60 } }\n"
             "action = { Host = { name = \"stop\" } }\n"
             "[[modes.mappings]]\ntrigger = { Note = { note = 61 } }\n"
             "action = { WasmPlugin = { path = \"%s\", params = { message = \"hi\" } } }\n",
             env_path("MY_MIDI_PLUGIN"));
    return out;
}

struct stopper {
    conductor_engine_t *engine;
    int stopped; /* set (atomically) once the callback has stopped the engine */
};

static void shutdown_action(void *user_data, const char *name, const char *json) {
    struct stopper *s = (struct stopper *)user_data;
    conductor_fired_list_t *fired = NULL;
    (void)json;
    if (strcmp(name, "stop") != 0) {
        return;
    }
    EXPECT(on_thread(ENGINE_THREAD));
    /* Deferred: returns at once; the engine stops after this callback returns. */
    EXPECT_OK("shutdown from the callback", conductor_engine_shutdown(s->engine, &error));
    EXPECT_OK("shutdown again from the callback", conductor_engine_shutdown(s->engine, &error));
    EXPECT_ERROR("process after shutdown, in the callback",
                 conductor_engine_process(s->engine, NOTE_61, 3, 0, &fired, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "shut down");
    EXPECT(fired == NULL);
    __atomic_store_n(&s->stopped, 1, __ATOMIC_SEQ_CST);
}

/* Waits up to 20 s for the callback to have run. */
static bool wait_stopped(struct stopper *s) {
    double deadline = now_ms() + 20000;
    while (!__atomic_load_n(&s->stopped, __ATOMIC_SEQ_CST)) {
        if (now_ms() > deadline) {
            return false;
        }
        sleep_ms(1);
    }
    return true;
}

static void shutdown_from_callback(void) {
    conductor_engine_options_t *options = options_new();
    conductor_fired_list_t *fired = NULL;
    struct stopper s;
    char toml[8192];
    bool drained = true;
    double started;
    memset(&s, 0, sizeof s);
    EXPECT_OK("set_action_callback", conductor_engine_options_set_action_callback(options, shutdown_action, &s, NULL, &error));
    s.engine = engine_new(stop_toml(toml, sizeof toml), options);
    EXPECT(engine_threads_become(2, 20000)); /* the engine thread and my_midi_plugin's worker */

    EXPECT(conductor_engine_push(s.engine, NOTE_60, 3, 0));
    EXPECT(wait_stopped(&s));
    /* From this thread, wait_idle returns (no deadlock) ... */
    started = now_ms();
    EXPECT_OK("wait_idle after the deferred shutdown", conductor_engine_wait_idle(s.engine, 5000, &drained, &error));
    EXPECT(now_ms() - started < 10000);
    /* ... the engine is shut down ... */
    EXPECT_ERROR("process after the deferred shutdown",
                 conductor_engine_process(s.engine, NOTE_61, 3, 0, &fired, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "shut down");
    EXPECT(fired == NULL);
    EXPECT_ERROR("tick after the deferred shutdown", conductor_engine_tick(s.engine, 0, &fired, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "shut down");
    /* ... and its threads stop by themselves, the plugin's shutdown export running once. */
    EXPECT(engine_threads_become(0, 20000));
    EXPECT(line_seen("Plugin shutting down") >= 0);
    EXPECT_OK("shutdown from this thread", conductor_engine_shutdown(s.engine, &error));
    conductor_engine_delete(s.engine);
    printf("stopped from the callback; threads left: %d\n", engine_threads());
    conductor_engine_options_delete(options);
}

static void delete_action(void *user_data, const char *name, const char *json) {
    struct stopper *s = (struct stopper *)user_data;
    (void)json;
    if (strcmp(name, "stop") != 0) {
        return;
    }
    /* Documented as forbidden; the library must still neither deadlock nor crash. */
    conductor_engine_delete(s->engine);
    s->engine = NULL;
    __atomic_store_n(&s->stopped, 1, __ATOMIC_SEQ_CST);
}

static void delete_from_callback(void) {
    conductor_engine_options_t *options = options_new();
    struct stopper s;
    char toml[8192];
    memset(&s, 0, sizeof s);
    EXPECT_OK("set_action_callback", conductor_engine_options_set_action_callback(options, delete_action, &s, NULL, &error));
    s.engine = engine_new(stop_toml(toml, sizeof toml), options);
    EXPECT(engine_threads_become(2, 20000));
    EXPECT(conductor_engine_push(s.engine, NOTE_60, 3, 0));
    EXPECT(wait_stopped(&s));
    /* The engine shut down as from conductor_engine_shutdown in a callback: its threads
     * exit (freeing it) once the callback has returned, the plugin shut down once. */
    EXPECT(engine_threads_become(0, 20000));
    EXPECT(line_seen("Plugin shutting down") >= 0);
    printf("deleted from the callback; threads left: %d\n", engine_threads());
    conductor_engine_options_delete(options);
}

/* ---- a slow action beside a fast one ---- */

static void record_midi_out(void *user_data, const uint8_t *bytes, size_t len, uint64_t timestamp_us) {
    (void)user_data;
    record_midi(bytes, len, timestamp_us);
}

static void record_fired_cb(void *user_data, const conductor_fired_t *fired) {
    (void)user_data;
    record_fired(fired);
}

static void slow_delay_beside_fast(void) {
    static const char toml[] =
        "[[modes]]\nname = \"Default\"\n"
        "[[modes.mappings]]\ndescription = \"slow\"\ntrigger = { Note = { note = 60 } }\n"
        "action = { Sequence = [{ Delay = { ms = 1500 } }, { SendMidi = { bytes = [0x90, 100, 1] } }] }\n"
        "[[modes.mappings]]\ndescription = \"fast\"\ntrigger = { Note = { note = 61 } }\n"
        "action = { SendMidi = { bytes = [0x90, 61, 1] } }\n";
    conductor_engine_options_t *options = options_new();
    conductor_engine_t *engine;
    double pushed, echoed, delayed;
    EXPECT_OK("set_midi_out_callback", conductor_engine_options_set_midi_out_callback(options, record_midi_out, NULL, NULL, &error));
    EXPECT_OK("set_fired_callback", conductor_engine_options_set_fired_callback(options, record_fired_cb, NULL, NULL, &error));
    engine = engine_new(toml, options);

    pushed = now_ms();
    EXPECT(conductor_engine_push(engine, NOTE_60, 3, 0));
    EXPECT(conductor_engine_push(engine, NOTE_61, 3, 10));
    /* wait_idle covers the delayed step too. */
    expect_idle(engine, 30000);
    echoed = midi_seen(61);
    delayed = midi_seen(100);
    printf("fast echo after %.1f ms, delayed send after %.1f ms\n", echoed - pushed, delayed - pushed);
    EXPECT(echoed >= 0 && delayed >= 0);
    /* Pad 61's echo came while pad 60 was still waiting on its delay. */
    EXPECT(echoed < delayed);
    EXPECT(delayed - pushed >= 1500);
    EXPECT(fired_seen("fast") >= 0 && fired_seen("fast") < fired_seen("slow"));
    pthread_mutex_lock(&seen_lock);
    EXPECT(midi_count == 2);
    if (midi_count == 2) {
        EXPECT(midi[0].note == 61 && midi[0].timestamp_us == 10);
        EXPECT(midi[1].note == 100 && midi[1].timestamp_us == 1500000);
        EXPECT(strncmp(midi[1].thread, ENGINE_THREAD, strlen(ENGINE_THREAD)) == 0);
    }
    pthread_mutex_unlock(&seen_lock);
    conductor_engine_delete(engine);
    conductor_engine_options_delete(options);
}

static void slow_plugin_beside_fast(void) {
    conductor_engine_options_t *options = options_new();
    conductor_engine_t *engine;
    char toml[8192];
    double pushed, echoed, woke;
    snprintf(toml, sizeof toml,
             "[[modes]]\nname = \"Default\"\n"
             "[[modes.mappings]]\ndescription = \"slow\"\ntrigger = { Note = { note = 60 } }\n"
             "action = { WasmPlugin = { path = \"%s\", params = { ms = 800, tag = \"slow\" } } }\n"
             "[[modes.mappings]]\ndescription = \"fast\"\ntrigger = { Note = { note = 61 } }\n"
             "action = { SendMidi = { bytes = [0x90, 61, 1] } }\n",
             env_path("SLEEP_PLUGIN"));
    EXPECT_OK("set_midi_out_callback", conductor_engine_options_set_midi_out_callback(options, record_midi_out, NULL, NULL, &error));
    EXPECT_OK("set_fired_callback", conductor_engine_options_set_fired_callback(options, record_fired_cb, NULL, NULL, &error));
    engine = engine_new(toml, options);

    pushed = now_ms();
    EXPECT(conductor_engine_push(engine, NOTE_60, 3, 0));
    EXPECT(conductor_engine_push(engine, NOTE_61, 3, 10));
    expect_idle(engine, 30000);
    echoed = midi_seen(61);
    woke = line_seen("woke slow");
    printf("fast echo after %.1f ms, slow plugin woke after %.1f ms\n", echoed - pushed, woke - pushed);
    EXPECT(echoed >= 0 && woke >= 0);
    /* Pad 61's echo came while pad 60's plugin was still sleeping. */
    EXPECT(echoed < woke);
    EXPECT(woke - pushed >= 800);
    EXPECT(fired_seen("fast") >= 0 && fired_seen("fast") < fired_seen("slow"));
    conductor_engine_delete(engine);
    conductor_engine_options_delete(options);
}

/* ---- midi_out_timestamps: process() follows event time ---- */

static void expect_kinds(const conductor_fired_t *fired, const char *first, const char *second) {
    size_t count = conductor_fired_outcome_count(fired);
    EXPECT(count == (second ? 2u : 1u));
    if (count >= 1) {
        EXPECT(strcmp(conductor_outcome_action(conductor_fired_outcome(fired, 0)), first) == 0);
    }
    if (second && count >= 2) {
        EXPECT(strcmp(conductor_outcome_action(conductor_fired_outcome(fired, 1)), second) == 0);
    }
}

static void midi_out_timestamps(void) {
    static const char toml[] =
        "[[modes]]\nname = \"Default\"\n"
        "[[modes.mappings]]\ndescription = \"echo twice\"\ntrigger = { Note = { note = 60 } }\n"
        "action = { Sequence = [{ SendMidi = { bytes = [0x90, 1, 1] } }, { Delay = { ms = 5 } }, "
        "{ SendMidi = { bytes = [0x90, 2, 1] } }] }\n";
    conductor_engine_options_t *options = options_new();
    conductor_engine_t *engine;
    conductor_fired_list_t *fired = NULL;
    uint64_t due = 0;
    EXPECT_OK("set_midi_out_callback", conductor_engine_options_set_midi_out_callback(options, record_midi_out, NULL, NULL, &error));
    engine = engine_new(toml, options);

    EXPECT(!conductor_engine_next_due(engine, &due));
    EXPECT_OK("process", conductor_engine_process(engine, NOTE_60, 3, 1000, &fired, &error));
    EXPECT(conductor_fired_list_len(fired) == 1);
    if (conductor_fired_list_len(fired) == 1) {
        const conductor_fired_t *f = conductor_fired_list_get(fired, 0);
        EXPECT(conductor_fired_pending(f) && !conductor_fired_resumed(f));
        EXPECT(strcmp(conductor_fired_label(f), "echo twice") == 0);
        expect_kinds(f, "SendMidi", "Delay");
    }
    conductor_fired_list_delete(fired);
    fired = NULL;
    EXPECT(conductor_engine_next_due(engine, &due));
    printf("next due: %llu\n", (unsigned long long)due);
    EXPECT(due == 6000);
    EXPECT(conductor_engine_next_due(engine, NULL));

    /* Not due yet. */
    EXPECT_OK("tick(5999)", conductor_engine_tick(engine, 5999, &fired, &error));
    EXPECT(conductor_fired_list_len(fired) == 0);
    conductor_fired_list_delete(fired);
    fired = NULL;

    EXPECT_OK("tick(6000)", conductor_engine_tick(engine, 6000, &fired, &error));
    EXPECT(conductor_fired_list_len(fired) == 1);
    if (conductor_fired_list_len(fired) == 1) {
        const conductor_fired_t *f = conductor_fired_list_get(fired, 0);
        EXPECT(conductor_fired_resumed(f) && !conductor_fired_pending(f));
        EXPECT(conductor_fired_ok(f));
        expect_kinds(f, "SendMidi", NULL);
    }
    conductor_fired_list_delete(fired);
    due = 12345;
    EXPECT(!conductor_engine_next_due(engine, &due));
    EXPECT(due == 12345); /* left alone */

    pthread_mutex_lock(&seen_lock);
    EXPECT(midi_count == 2);
    if (midi_count == 2) {
        printf("midi out: %02X at %llu, %02X at %llu\n", midi[0].note, (unsigned long long)midi[0].timestamp_us,
               midi[1].note, (unsigned long long)midi[1].timestamp_us);
        EXPECT(midi[0].note == 1 && midi[0].timestamp_us == 1000);
        EXPECT(midi[1].note == 2 && midi[1].timestamp_us == 6000);
        /* process() and tick() run the steps on the caller's thread. */
        EXPECT(strncmp(midi[0].thread, "conductor-", 10) != 0);
        EXPECT(strncmp(midi[1].thread, "conductor-", 10) != 0);
    }
    pthread_mutex_unlock(&seen_lock);
    conductor_engine_delete(engine);
    conductor_engine_options_delete(options);
}

/* ---- refused_plugin_calls: a full mailbox refuses calls and counts them ---- */

static pthread_mutex_t refused_lock = PTHREAD_MUTEX_INITIALIZER;
static int refused_outcomes = 0;
static int quick_ok = 0;

static void count_refusals(void *user_data, const conductor_fired_t *fired) {
    const conductor_error_t *e = conductor_outcome_error(conductor_fired_outcome(fired, 0));
    (void)user_data;
    pthread_mutex_lock(&refused_lock);
    if (strcmp(conductor_fired_label(fired), "quick") == 0) {
        if (e == NULL) {
            quick_ok++;
        } else if (strstr(conductor_error_message(e, NULL), "is busy") != NULL) {
            refused_outcomes++;
        }
    }
    pthread_mutex_unlock(&refused_lock);
}

enum { QUICK_CALLS = CONDUCTOR_PLUGIN_MAILBOX_CAPACITY + 100 };

static void refused_plugin_calls(void) {
    conductor_engine_options_t *options = options_new();
    conductor_engine_t *engine;
    char toml[8192];
    const char *sleep_plugin = env_path("SLEEP_PLUGIN");
    uint64_t refused;
    int i, pushed = 0;
    snprintf(toml, sizeof toml,
             "[[modes]]\nname = \"Default\"\n"
             "[[modes.mappings]]\ndescription = \"blocker\"\ntrigger = { Note = { note = 60 } }\n"
             "action = { WasmPlugin = { path = \"%s\", params = { ms = 1500, tag = \"blocker\" } } }\n"
             "[[modes.mappings]]\ndescription = \"quick\"\ntrigger = { Note = { note = 61 } }\n"
             "action = { WasmPlugin = { path = \"%s\", params = { ms = 0, tag = \"quick\" } } }\n",
             sleep_plugin, sleep_plugin);
    EXPECT_OK("set_fired_callback", conductor_engine_options_set_fired_callback(options, count_refusals, NULL, NULL, &error));
    EXPECT_OK("set_queue_capacity", conductor_engine_options_set_queue_capacity(options, 4 * QUICK_CALLS, &error));
    engine = engine_new(toml, options);
    EXPECT(conductor_engine_refused_plugin_calls(engine) == 0);
    EXPECT(conductor_engine_push(engine, NOTE_60, 3, 0));
    for (i = 0; i < QUICK_CALLS; i++) {
        pushed += conductor_engine_push(engine, NOTE_61, 3, (uint64_t)i + 1) ? 1 : 0;
    }
    EXPECT(pushed == QUICK_CALLS);
    expect_idle(engine, 120000);
    refused = conductor_engine_refused_plugin_calls(engine);
    pthread_mutex_lock(&refused_lock);
    printf("refused %llu, refused outcomes %d, quick calls ok %d\n", (unsigned long long)refused, refused_outcomes,
           quick_ok);
    /* The worker is busy with the blocker while the quick calls arrive: a mailbox's
     * worth waits (less the blocker's slot if the worker has not taken it yet), the
     * rest are refused, counted and reported. */
    EXPECT(refused > 0);
    EXPECT(refused == (uint64_t)refused_outcomes);
    EXPECT(quick_ok + refused_outcomes == QUICK_CALLS);
    EXPECT(quick_ok >= CONDUCTOR_PLUGIN_MAILBOX_CAPACITY - 1);
    pthread_mutex_unlock(&refused_lock);
    conductor_engine_delete(engine);
    conductor_engine_options_delete(options);
}

int main(int argc, char **argv) {
    static const struct check checks[] = {
        {"reentrant", reentrant},
        {"plugin_worker_callbacks", plugin_worker_callbacks},
        {"shutdown_from_callback", shutdown_from_callback},
        {"delete_from_callback", delete_from_callback},
        {"slow_delay_beside_fast", slow_delay_beside_fast},
        {"slow_plugin_beside_fast", slow_plugin_beside_fast},
        {"midi_out_timestamps", midi_out_timestamps},
        {"refused_plugin_calls", refused_plugin_calls},
    };
    return run_check(argc, argv, checks, sizeof checks / sizeof checks[0]);
}

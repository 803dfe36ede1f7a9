/*
 * check.h: what the C test programs share. Each program is a set of named checks; the
 * test harness runs it with one check's name, and it prints one line per outcome and
 * "<check>: N failure(s)" at the end, exiting non-zero when an expectation failed.
 *
 * EXPECT, EXPECT_OK and EXPECT_ERROR may be used from any thread (callbacks run on library threads): failures are
 * counted under a lock.
 */
#ifndef CONDUCTOR_TEST_CHECK_H
#define CONDUCTOR_TEST_CHECK_H

#include <conductor.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t check_failures_lock = PTHREAD_MUTEX_INITIALIZER;
static int check_failures = 0;

/* Counts and reports one failed expectation. */
static inline void check_fail(const char *file, int line, const char *what) {
    pthread_mutex_lock(&check_failures_lock);
    fprintf(stderr, "%s:%d: expectation failed: %s\n", file, line, what);
    check_failures++;
    pthread_mutex_unlock(&check_failures_lock);
}

/* How many expectations have failed so far. */
static inline int check_failure_count(void) {
    int n;
    pthread_mutex_lock(&check_failures_lock);
    n = check_failures;
    pthread_mutex_unlock(&check_failures_lock);
    return n;
}

#define EXPECT(cond)                               \
    do {                                           \
        if (!(cond)) {                             \
            check_fail(__FILE__, __LINE__, #cond); \
        }                                          \
    } while (0)

/* The value of environment variable `name`; exits with a message when it is unset. */
static inline const char *env_path(const char *name) {
    const char *value = getenv(name);
    if (value == NULL || *value == '\0') {
        fprintf(stderr, "set %s\n", name);
        exit(2);
    }
    return value;
}

/* One named check of a program. */
struct check {
    const char *name;
    void (*run)(void);
};

/*
 * Runs the check named by the program's one argument and prints its failure count;
 * returns the exit code (0 when every expectation held, 1 when one failed, 2 for a
 * wrong command line).
 */
static inline int run_check(int argc, char **argv, const struct check *checks, size_t count) {
    size_t i;
    if (argc != 2) {
        fprintf(stderr, "usage: %s CHECK\n", argv[0]);
        return 2;
    }
    for (i = 0; i < count; i++) {
        if (strcmp(argv[1], checks[i].name) == 0) {
            int failures;
            checks[i].run();
            failures = check_failure_count();
            printf("%s: %d failure(s)\n", argv[1], failures);
            return failures == 0 ? 0 : 1;
        }
    }
    fprintf(stderr, "unknown check %s\n", argv[1]);
    return 2;
}

/* Checks that a call succeeded; prints and frees its error otherwise. */
static inline void expect_ok(const char *file, int line, const char *what, conductor_status_t status,
                      conductor_error_t *error) {
    if (status != CONDUCTOR_OK) {
        char text[1024];
        snprintf(text, sizeof text, "%s failed: %s", what,
                 error ? conductor_error_message(error, NULL) : conductor_status_name((int32_t)status));
        check_fail(file, line, text);
    }
    conductor_error_delete(error);
}

/* Checks that a call failed with `want` and a message containing `needle`; prints it. */
static inline void expect_error(const char *file, int line, const char *what, conductor_status_t status,
                         conductor_error_t *error, conductor_status_t want, const char *needle) {
    const char *message = error ? conductor_error_message(error, NULL) : NULL;
    printf("%s: %s: %s\n", what, conductor_status_name((int32_t)status), message ? message : "(no error)");
    if (status != want || error == NULL || conductor_error_kind(error) != want || message == NULL ||
        strstr(message, needle) == NULL) {
        char text[1024];
        snprintf(text, sizeof text, "%s: wanted %s with a message containing \"%s\"", what,
                 conductor_status_name((int32_t)want), needle);
        check_fail(file, line, text);
    }
    conductor_error_delete(error);
}

/* The call runs before the error is looked at (argument order is unspecified in C). */
#define EXPECT_OK(what, call)                                       \
    do {                                                            \
        conductor_error_t *error = NULL;                            \
        conductor_status_t status_ = (call);                        \
        expect_ok(__FILE__, __LINE__, (what), status_, error);      \
    } while (0)

#define EXPECT_ERROR(what, call, want, needle)                                      \
    do {                                                                            \
        conductor_error_t *error = NULL;                                            \
        conductor_status_t status_ = (call);                                        \
        expect_error(__FILE__, __LINE__, (what), status_, error, (want), (needle)); \
    } while (0)

#endif

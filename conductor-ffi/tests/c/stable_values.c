/*
 * The numbers include/conductor.h promises stay stable across versions, written out by
 * hand. This file is never generated: a change to the sources that renumbers a status,
 * a log level, a log source, a capability or a signature policy regenerates the header,
 * and then this file stops compiling. Checked by `stable_values_are_pinned` in
 * conductor-ffi/tests/header.rs (C99: a negative array size is the static assertion).
 */
#include <conductor.h>

#define PIN(name, value) typedef char pinned_##name[((name) == (value)) ? 1 : -1]

/* conductor_status_t: the values of conductor_core::ErrorKind, plus INTERNAL. */
PIN(CONDUCTOR_OK, 0);
PIN(CONDUCTOR_ERROR_CONFIG, 1);
PIN(CONDUCTOR_ERROR_PLUGIN_LOAD, 2);
PIN(CONDUCTOR_ERROR_PLUGIN_RETURNED, 3);
PIN(CONDUCTOR_ERROR_OUT_OF_FUEL, 4);
PIN(CONDUCTOR_ERROR_MEMORY_LIMIT, 5);
PIN(CONDUCTOR_ERROR_TIMEOUT, 6);
PIN(CONDUCTOR_ERROR_PLUGIN_TRAP, 7);
PIN(CONDUCTOR_ERROR_CAPABILITY_DENIED, 8);
PIN(CONDUCTOR_ERROR_SIGNATURE, 9);
PIN(CONDUCTOR_ERROR_MIDI, 10);
PIN(CONDUCTOR_ERROR_IO, 11);
PIN(CONDUCTOR_ERROR_INVALID_ARGUMENT, 12);
PIN(CONDUCTOR_ERROR_RUNTIME, 13);
PIN(CONDUCTOR_ERROR_CANCELLED, 14);
PIN(CONDUCTOR_ERROR_INTERNAL, 255);

/* conductor_log_level_t */
PIN(CONDUCTOR_LOG_DEBUG, 0);
PIN(CONDUCTOR_LOG_INFO, 1);
PIN(CONDUCTOR_LOG_WARN, 2);
PIN(CONDUCTOR_LOG_ERROR, 3);

/* conductor_log_source_t */
PIN(CONDUCTOR_LOG_SOURCE_HOST, 0);
PIN(CONDUCTOR_LOG_SOURCE_PLUGIN_STDOUT, 1);
PIN(CONDUCTOR_LOG_SOURCE_PLUGIN_STDERR, 2);

/* conductor_capability_t */
PIN(CONDUCTOR_CAPABILITY_NETWORK, 0);
PIN(CONDUCTOR_CAPABILITY_AUDIO, 1);
PIN(CONDUCTOR_CAPABILITY_MIDI, 2);
PIN(CONDUCTOR_CAPABILITY_FILESYSTEM, 3);
PIN(CONDUCTOR_CAPABILITY_SUBPROCESS, 4);
PIN(CONDUCTOR_CAPABILITY_SYSTEM_CONTROL, 5);

/* conductor_signature_policy_t */
PIN(CONDUCTOR_SIGNATURE_POLICY_ALLOW, 0);
PIN(CONDUCTOR_SIGNATURE_POLICY_WARN, 1);
PIN(CONDUCTOR_SIGNATURE_POLICY_REQUIRE, 2);

/*
 * ws-notify-c: tells a WebSocket service which note was played and logs its answer,
 * written in C with conductor_websocket_exchange.
 *
 * Params: {"url": "wss://example.com/socket", "timeout_ms": 1000}
 * (the host must be in the plugin's allowed_hosts, or that list empty and the host
 * public). The message sent is {"note": N, "velocity": V} from the trigger context;
 * the first message that comes back is logged.
 *
 * Build: scripts/build-plugins.sh c
 */
#include "conductor_plugin.h"

CONDUCTOR_CAPABILITIES("[\"Network\"]")
CONDUCTOR_ALLOCATOR

/* Appends `text` to out[*n..cap) as a JSON string body (quotes and backslashes
 * escaped, control characters dropped). Returns 0 when it does not fit. */
static int append_escaped(char *out, size_t cap, size_t *n, const char *text) {
    for (; *text; text++) {
        unsigned char c = (unsigned char)*text;
        if (c < 0x20) continue;
        if (*n + 2 >= cap) return 0;
        if (c == '"' || c == '\\') out[(*n)++] = '\\';
        out[(*n)++] = (char)c;
    }
    out[*n] = '\0';
    return 1;
}

CONDUCTOR_EXPORT("execute_with_context")
int32_t execute_with_context(const char *params, int32_t params_len, const char *ctx,
                             int32_t ctx_len) {
    char url[512];
    if (conductor_json_string(params, (size_t)params_len, "url", url, sizeof url) < 0) {
        conductor_log(CONDUCTOR_LOG_ERROR, "ws-notify-c needs a `url` param (ws:// or wss://)");
        return 2;
    }
    long long timeout_ms = 1000, note = -1, velocity = -1;
    conductor_json_int(params, (size_t)params_len, "timeout_ms", &timeout_ms);
    conductor_json_int(ctx, (size_t)ctx_len, "note", &note);
    conductor_json_int(ctx, (size_t)ctx_len, "velocity", &velocity);

    /* The exchange head: send one text message (itself JSON), receive one. */
    char message[64];
    snprintf(message, sizeof message, "{\"note\": %lld, \"velocity\": %lld}", note, velocity);
    char head[1024];
    size_t n = 0;
    n += (size_t)snprintf(head, sizeof head, "{\"url\": \"");
    if (!append_escaped(head, sizeof head, &n, url)) return 2;
    n += (size_t)snprintf(head + n, sizeof head - n, "\", \"send\": [\"");
    if (!append_escaped(head, sizeof head, &n, message)) return 2;
    int tail = snprintf(head + n, sizeof head - n, "\"], \"receive\": 1, \"timeout_ms\": %lld}",
                        timeout_ms);
    if (tail < 0 || (size_t)tail >= sizeof head - n) return 2;
    n += (size_t)tail;

    int32_t received = conductor_websocket_exchange(head, (int32_t)n);
    char answer[1024];
    conductor_result_copy(answer, sizeof answer);
    if (received < 0) {
        conductor_logf(CONDUCTOR_LOG_ERROR, "exchange with %s failed (code %d): %s", url,
                       (int)received, answer);
        return 3;
    }
    /* The answer is framed: a JSON head line, then the messages' bytes. */
    const char *body = strchr(answer, '\n');
    conductor_logf(CONDUCTOR_LOG_INFO, "sent %s, %d message(s) back: %s", message, (int)received,
                   received > 0 && body ? body + 1 : "(none)");
    return 0;
}

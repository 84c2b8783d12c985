/* timefmt.h — wall-clock and monotonic time, and the RFC 3339 text form the
 * alerts and the Dashboard API use. Times are Unix seconds (UTC). */
#ifndef UCF_TIMEFMT_H
#define UCF_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define UCF_TIME_LEN 21 /* "2018-02-11T00:00:00Z" and its NUL */

/* "2018-02-11T00:00:00Z", "2018-02-11T00:00:00.090210Z", "...+02:00", a
 * space instead of 'T', lower-case 't'/'z'. A fraction is dropped. Returns 0
 * or -EINVAL. */
int ucf_time_parse(const char *text, int64_t *out);
/* Always UTC with a 'Z'. */
void ucf_time_format(int64_t t, char buf[UCF_TIME_LEN]);
int64_t ucf_time_now(void);   /* CLOCK_REALTIME, seconds */
uint64_t ucf_mono_ms(void);   /* CLOCK_MONOTONIC, milliseconds */
/* A uniformly random number in [0, n) from getrandom(2); n > 0. */
uint64_t ucf_random_below(uint64_t n);

#endif

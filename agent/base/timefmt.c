/* timefmt.c — RFC 3339 parsing and formatting, clocks, jitter randomness. */
#include "timefmt.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

/* Reads exactly n digits. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -EINVAL;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int expect(const char **p, char c)
{
	if (**p != c)
		return -EINVAL;
	(*p)++;
	return 0;
}

int ucf_time_parse(const char *text, int64_t *out)
{
	const char *p = text;
	int y, mo, d, h, mi, s, oh = 0, om = 0, sign = 0;
	if (!p || digits(&p, 4, &y) || expect(&p, '-') || digits(&p, 2, &mo) || expect(&p, '-') ||
	    digits(&p, 2, &d))
		return -EINVAL;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -EINVAL;
	p++;
	if (digits(&p, 2, &h) || expect(&p, ':') || digits(&p, 2, &mi) || expect(&p, ':') ||
	    digits(&p, 2, &s))
		return -EINVAL;
	if (*p == '.') { /* fraction: any number of digits, dropped */
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		p++;
		if (digits(&p, 2, &oh) || expect(&p, ':') || digits(&p, 2, &om) || oh > 23 ||
		    om > 59)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (*p != '\0' || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    s > 60)
		return -EINVAL;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			 .tm_hour = h, .tm_min = mi, .tm_sec = s > 59 ? 59 : s };
	time_t t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != d) /* timegm normalises 31 Feb: refuse it */
		return -EINVAL;
	*out = (int64_t)t - sign * (oh * 3600 + om * 60);
	return 0;
}

void ucf_time_format(int64_t t, char buf[UCF_TIME_LEN])
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (!gmtime_r(&tt, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
		snprintf(buf, UCF_TIME_LEN, "1970-01-01T00:00:00Z");
		return;
	}
	strftime(buf, UCF_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int64_t ucf_time_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

uint64_t ucf_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t ucf_random_below(uint64_t n)
{
	uint64_t v = 0;
	/* A short read cannot happen for 8 bytes from the urandom pool; if the
	 * call fails anyway the jitter degrades to the clock, never to an error. */
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		v = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ull;
	}
	return n ? v % n : 0;
}

/* grow.h — growth of a malloc'd array with its size computed safely: every
 * hand-grown array of the agent goes through here. */
#ifndef UCF_GROW_H
#define UCF_GROW_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Makes array p (elements of size bytes) hold at least need elements and
 * returns it, possibly moved; assign the result to p's variable. With cap,
 * *cap is p's capacity and grows from first (at least 1) by doubling, so
 * appending one at a time is amortised; without (NULL), p is resized to
 * exactly need elements. NULL, with p (still valid) and *cap unchanged: out
 * of memory, need or size 0, or need * size past SIZE_MAX. */
static inline void *ucf_grow_array(void *p, size_t *cap, size_t need, size_t size, size_t first)
{
	if (size == 0 || need == 0)
		return NULL;
	size_t ncap = need;
	if (cap) {
		if (need <= *cap)
			return p;
		ncap = *cap ? *cap : first ? first : 1;
		while (ncap < need)
			ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	}
	if (ncap > SIZE_MAX / size)
		return NULL;
	void *np = realloc(p, ncap * size);
	if (np && cap)
		*cap = ncap;
	return np;
}

/* For UCF_GROW: the grown array, or p itself on failure (*cap < need then). */
static inline void *ucf_grow_keep_(void *p, size_t *cap, size_t need, size_t size, size_t first)
{
	void *np = ucf_grow_array(p, cap, need, size, first);
	return np ? np : p;
}

/* The usual case, an array with a size_t capacity beside it: grows arr (an
 * lvalue, assigned) to hold need elements, amortised from first. 0, or
 * -ENOMEM with arr and cap unchanged. need is evaluated twice. */
#define UCF_GROW(arr, cap, need, first)                                                  \
	((arr) = ucf_grow_keep_((arr), &(cap), (need), sizeof(*(arr)), (first)),         \
	 (cap) >= (need) ? 0 : -ENOMEM)

#endif

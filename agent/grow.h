/* grow.h — amortised growth of a malloc'd array, shared by the policy model
 * and the netlink batch builder. */
#ifndef UCF_GROW_H
#define UCF_GROW_H

#include <errno.h>
#include <stdlib.h>

/* Makes *items (of *cap elements of size bytes) hold at least need: from
 * first elements, doubling. 0, or -ENOMEM with *items and *cap unchanged. */
static inline int ucf_grow(void **items, size_t *cap, size_t need, size_t size, size_t first)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : first;
	while (ncap < need)
		ncap *= 2;
	void *p = realloc(*items, ncap * size);
	if (!p)
		return -ENOMEM;
	*items = p;
	*cap = ncap;
	return 0;
}

#endif

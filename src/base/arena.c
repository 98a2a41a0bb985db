#include "base.h"

#include <stdlib.h>
#include <string.h>

/* Blocks are chained; reset frees all but the largest so that a steady
 * stream of similar comments reaches a fixed footprint. */
typedef struct block {
	struct block *next;
	size_t size, used;
	_Alignas(16) unsigned char mem[];
} block;

struct raqib_arena {
	block *head;
	size_t first;
};

static block *block_new(size_t size)
{
	block *b = malloc(sizeof *b + size);
	if (!b)
		return NULL;
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

raqib_arena *raqib_arena_new(size_t first_block)
{
	raqib_arena *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->first = first_block ? first_block : 4096;
	return a;
}

void raqib_arena_free(raqib_arena *a)
{
	block *b, *n;
	if (!a)
		return;
	for (b = a->head; b; b = n) {
		n = b->next;
		free(b);
	}
	free(a);
}

void raqib_arena_reset(raqib_arena *a)
{
	block *b, *n, *keep = NULL;
	for (b = a->head; b; b = b->next)
		if (!keep || b->size > keep->size)
			keep = b;
	for (b = a->head; b; b = n) {
		n = b->next;
		if (b != keep)
			free(b);
	}
	if (keep) {
		keep->next = NULL;
		keep->used = 0;
	}
	a->head = keep;
}

void *raqib_arena_alloc(raqib_arena *a, size_t n)
{
	block *b = a->head;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (n == 0)
		n = 16;
	if (!b || b->size - b->used < n) {
		size_t size = b ? b->size * 2 : a->first;
		while (size < n)
			size *= 2;
		b = block_new(size);
		if (!b)
			return NULL;
		b->next = a->head;
		a->head = b;
	}
	p = b->mem + b->used;
	b->used += n;
	return p;
}

void *raqib_arena_calloc(raqib_arena *a, size_t count, size_t size)
{
	void *p;
	if (size && count > (size_t)-1 / size)
		return NULL;
	p = raqib_arena_alloc(a, count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

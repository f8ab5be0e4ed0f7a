/**
 * kmemleak's xa_node check: an object freed while an xarray in it still
 * holds an entry above index 0 (a tombstone, XA_ZERO_ENTRY, included) leaks
 * the xarray's nodes; xa_destroy() first, or an entry only at index 0, does not.
 */
import { describe, expect, it } from 'vitest';
import { check, kinds, useParser } from '../helpers.js';

useParser();

const CTX = `struct ctx { struct xarray xa; };
static struct ctx *c;
static int item;
void setup(void) { c = kzalloc(sizeof(*c), GFP_KERNEL); xa_init_flags(&c->xa, XA_FLAGS_ALLOC1); }
`;

describe('kmemleak: an xarray freed with entries', () => {
  it('a tombstone left in the xarray of a freed object is a leak (its node)', async () => {
    const r =
      await check(`${CTX}void thread_a(void) { u32 id; xa_alloc(&c->xa, &id, XA_ZERO_ENTRY, xa_limit_31b, GFP_KERNEL); }
void check(void) { kfree(c); }`);
    expect(kinds(r)).toEqual(['leak']);
    expect(r.findings[0]!.title).toMatch(/struct xa_node/);
  });

  it('xa_destroy() before the free: no finding', async () => {
    const r = await check(`${CTX}void thread_a(void) { u32 id; xa_alloc(&c->xa, &id, &item, xa_limit_31b, GFP_KERNEL); }
void check(void) { xa_destroy(&c->xa); kfree(c); }`);
    expect(kinds(r)).toEqual([]);
  });

  it('an entry only at index 0 lives in xa_head: no node, no finding', async () => {
    const r = await check(`struct ctx { struct xarray xa; };
static struct ctx *c;
static int item;
void setup(void) { c = kzalloc(sizeof(*c), GFP_KERNEL); xa_init(&c->xa); }
void thread_a(void) { xa_store(&c->xa, 0, &item, GFP_KERNEL); }
void check(void) { kfree(c); }`);
    expect(kinds(r)).toEqual([]);
  });
});

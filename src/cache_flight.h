/* Signatures in flight in this process (docs/cache.md): while one thread
 * makes the token of a key, the others that miss for that key wait for it
 * instead of signing it again, for at most a second. Only misses and
 * refreshes come here; a hit never takes this lock. */
#ifndef TJWT_CACHE_FLIGHT_H
#define TJWT_CACHE_FLIGHT_H

#include "cache.h"

typedef struct tjwt_flights tjwt_flights;

/* A key being made by this thread; it lives in the maker's stack frame
 * and is listed until tjwt_flight_end. */
typedef struct tjwt_flight {
    const tjwt_cache_key *key;
    struct tjwt_flight *next;
} tjwt_flight;

typedef enum {
    TJWT_FLIGHT_MAKE,    /* the caller makes the token, then calls end */
    TJWT_FLIGHT_DONE,    /* another thread finished: look in the cache */
    TJWT_FLIGHT_TIMEOUT, /* another thread is still at it: make it too */
    TJWT_FLIGHT_BUSY     /* (try only) another thread is at it */
} tjwt_flight_e;

/* How long a request waits for another's signature before it signs
 * itself: far more than a signature takes, short enough that a stuck
 * cache server does not hold every request for that identity. */
#define TJWT_FLIGHT_WAIT apr_time_from_sec(1)

/* Creates the table; NULL when the platform has no threads (nothing to
 * wait for) or on failure. */
tjwt_flights *tjwt_flights_create(apr_pool_t *p);

/* Lists f for key and returns TJWT_FLIGHT_MAKE when no thread makes it;
 * else waits until that thread is done (DONE) or for at most wait
 * (TIMEOUT). */
tjwt_flight_e tjwt_flight_begin(tjwt_flights *fl, tjwt_flight *f,
                                const tjwt_cache_key *key,
                                apr_interval_time_t wait);

/* The same without waiting: MAKE, or BUSY when another thread makes it. */
tjwt_flight_e tjwt_flight_try(tjwt_flights *fl, tjwt_flight *f,
                              const tjwt_cache_key *key);

/* Unlists f and wakes the threads waiting for its key. */
void tjwt_flight_end(tjwt_flights *fl, tjwt_flight *f);

#endif

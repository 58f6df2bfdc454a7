/* Signatures in flight in this process: a short list of the keys being
 * made, under a mutex, and one condition variable that every end
 * broadcasts. The list is as long as the signatures under way (at most
 * the threads of a process), so a linear search costs less than any
 * index. A waiter looks its key up again after each wake-up instead of
 * keeping a pointer to the maker's entry, which is gone once the maker
 * returns. */
#include "cache_flight.h"

#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>
#include <apr_time.h>
#include <string.h>

struct tjwt_flights {
#if APR_HAS_THREADS
    apr_thread_mutex_t *lock;
    apr_thread_cond_t *done;
#endif
    tjwt_flight *head;
};

tjwt_flights *tjwt_flights_create(apr_pool_t *p)
{
#if APR_HAS_THREADS
    tjwt_flights *fl = apr_pcalloc(p, sizeof(*fl));

    if (apr_thread_mutex_create(&fl->lock, APR_THREAD_MUTEX_DEFAULT, p) !=
            APR_SUCCESS ||
        apr_thread_cond_create(&fl->done, p) != APR_SUCCESS)
        return NULL;
    return fl;
#else
    (void)p;
    return NULL;
#endif
}

#if APR_HAS_THREADS
static int tjwt_flying(const tjwt_flights *fl, const tjwt_cache_key *key)
{
    const tjwt_flight *f;

    for (f = fl->head; f; f = f->next)
        if (f->key->ident_len == key->ident_len &&
            memcmp(f->key->ident, key->ident, key->ident_len) == 0)
            return 1;
    return 0;
}

static void tjwt_list(tjwt_flights *fl, tjwt_flight *f,
                      const tjwt_cache_key *key)
{
    f->key = key;
    f->next = fl->head;
    fl->head = f;
}
#endif

tjwt_flight_e tjwt_flight_begin(tjwt_flights *fl, tjwt_flight *f,
                                const tjwt_cache_key *key,
                                apr_interval_time_t wait)
{
#if APR_HAS_THREADS
    apr_time_t deadline = apr_time_now() + wait;
    tjwt_flight_e res = TJWT_FLIGHT_MAKE;

    apr_thread_mutex_lock(fl->lock);
    while (tjwt_flying(fl, key)) {
        apr_time_t left = deadline - apr_time_now();

        /* A spurious or foreign wake-up only loops: the deadline holds. */
        if (left <= 0) {
            res = TJWT_FLIGHT_TIMEOUT;
            break;
        }
        apr_thread_cond_timedwait(fl->done, fl->lock, left);
        res = TJWT_FLIGHT_DONE;
    }
    if (res == TJWT_FLIGHT_MAKE)
        tjwt_list(fl, f, key);
    apr_thread_mutex_unlock(fl->lock);
    return res;
#else
    (void)fl, (void)f, (void)key, (void)wait;
    return TJWT_FLIGHT_MAKE;
#endif
}

tjwt_flight_e tjwt_flight_try(tjwt_flights *fl, tjwt_flight *f,
                              const tjwt_cache_key *key)
{
#if APR_HAS_THREADS
    tjwt_flight_e res = TJWT_FLIGHT_BUSY;

    apr_thread_mutex_lock(fl->lock);
    if (!tjwt_flying(fl, key)) {
        tjwt_list(fl, f, key);
        res = TJWT_FLIGHT_MAKE;
    }
    apr_thread_mutex_unlock(fl->lock);
    return res;
#else
    (void)fl, (void)f, (void)key;
    return TJWT_FLIGHT_MAKE;
#endif
}

void tjwt_flight_end(tjwt_flights *fl, tjwt_flight *f)
{
#if APR_HAS_THREADS
    tjwt_flight **link;

    apr_thread_mutex_lock(fl->lock);
    for (link = &fl->head; *link && *link != f; link = &(*link)->next)
        ;
    if (*link)
        *link = f->next;
    apr_thread_cond_broadcast(fl->done);
    apr_thread_mutex_unlock(fl->lock);
#else
    (void)fl, (void)f;
#endif
}

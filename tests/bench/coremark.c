/* A CoreMark-like workload (written here, not EEMBC's CoreMark): each
 * iteration runs CoreMark's four kinds of kernel on data made from a
 * seed -- linked-list find, merge sort and reversal; 16-bit matrix
 * add/multiply/extract; a number-classifying state machine over a text;
 * CRC-16 of every result -- and folds the results into one CRC. The CRC is
 * compared with the value every correct RV64 machine computes: a wrong
 * result exits with status 1 (the bench then fails). Built -O2 for rv64gc. */
#include "bench.h"

#ifndef ITERATIONS
#define ITERATIONS 600
#endif
/* The final CRC after ITERATIONS (the value for 600). */
#ifndef EXPECTED
#define EXPECTED 0x899d
#endif

/* CRC-16 (polynomial 0xa001, reflected), as CoreMark's crcu8. */
static u16 crc8(u8 data, u16 crc) {
    for (int i = 0; i < 8; i++) {
        u8 x = (u8)((data & 1) ^ (crc & 1));
        data >>= 1;
        crc = x ? (u16)(((crc ^ 0x4002) >> 1) | 0x8000) : (u16)(crc >> 1);
    }
    return crc;
}
static u16 crc16(u16 v, u16 crc) { return crc8((u8)(v >> 8), crc8((u8)v, crc)); }
static u16 crc32(u32 v, u16 crc) { return crc16((u16)(v >> 16), crc16((u16)v, crc)); }

/* ---- list: find, merge sort, reverse ---- */
#define NODES 128
struct item {
    i16 data;
    i16 idx;
};
struct node {
    struct node *next;
    struct item *info;
};
static struct node nodes[NODES];
static struct item items[NODES];

static struct node *list_init(u32 seed) {
    for (int i = 0; i < NODES; i++) {
        seed = seed * 1664525u + 1013904223u;
        items[i].data = (i16)((seed >> 16) & 0x7fff);
        items[i].idx = (i16)i;
        nodes[i].info = &items[i];
        nodes[i].next = i + 1 < NODES ? &nodes[i + 1] : 0;
    }
    return &nodes[0];
}

static int cmp_data(const struct item *a, const struct item *b) { return a->data - b->data; }
static int cmp_idx(const struct item *a, const struct item *b) { return a->idx - b->idx; }

/* Bottom-up merge sort of a singly linked list (as CoreMark's core_list_mergesort). */
static struct node *list_sort(struct node *list, int (*cmp)(const struct item *, const struct item *)) {
    for (int insize = 1;; insize *= 2) {
        struct node *p = list, *tail = 0;
        list = 0;
        int merges = 0;
        while (p) {
            merges++;
            struct node *q = p;
            int psize = 0;
            for (int i = 0; i < insize && q; i++) {
                psize++;
                q = q->next;
            }
            int qsize = insize;
            while (psize > 0 || (qsize > 0 && q)) {
                struct node *e;
                if (psize == 0) {
                    e = q, q = q->next, qsize--;
                } else if (qsize == 0 || !q || cmp(p->info, q->info) <= 0) {
                    e = p, p = p->next, psize--;
                } else {
                    e = q, q = q->next, qsize--;
                }
                if (tail)
                    tail->next = e;
                else
                    list = e;
                tail = e;
            }
            p = q;
        }
        tail->next = 0;
        if (merges <= 1) return list;
    }
}

static struct node *list_find(struct node *list, i16 data) {
    while (list && list->info->data != data) list = list->next;
    return list;
}

static struct node *list_reverse(struct node *list) {
    struct node *prev = 0;
    while (list) {
        struct node *n = list->next;
        list->next = prev;
        prev = list;
        list = n;
    }
    return prev;
}

static u16 bench_list(u32 seed, u16 crc) {
    struct node *list = list_init(seed);
    for (int i = 0; i < 16; i++) {
        struct node *f = list_find(list, items[(i * 37 + seed) % NODES].data);
        crc = crc16(f ? (u16)f->info->idx : 0xffff, crc);
        f = list_find(list, (i16)i);
        crc = crc16(f ? (u16)f->info->idx : 0xfffe, crc);
    }
    list = list_sort(list, cmp_data);
    for (struct node *n = list; n; n = n->next) crc = crc16((u16)n->info->data, crc);
    list = list_reverse(list);
    list = list_sort(list, cmp_idx);
    for (struct node *n = list; n; n = n->next) crc = crc16((u16)n->info->idx, crc);
    return crc;
}

/* ---- matrix: 16-bit elements, 32-bit results ---- */
#define N 16
static i16 ma[N][N], mb[N][N];
static i32 mc[N][N];

static u16 bench_matrix(u32 seed, u16 crc) {
    i16 k = (i16)(seed | 0xf);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            seed = seed * 1664525u + 1013904223u;
            ma[i][j] = (i16)((seed >> 20) & 0x3ff);
            mb[i][j] = (i16)(((seed >> 8) & 0x3ff) - 0x200);
        }
    /* add a constant, multiply by a constant */
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) ma[i][j] = (i16)(ma[i][j] + k);
    i32 sum = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            mc[i][j] = (i32)ma[i][j] * k;
            sum += mc[i][j];
        }
    crc = crc32((u32)sum, crc);
    /* matrix times vector */
    for (int i = 0; i < N; i++) {
        i32 s = 0;
        for (int j = 0; j < N; j++) s += (i32)ma[i][j] * mb[j][0];
        mc[i][0] = s;
    }
    for (int i = 0; i < N; i++) crc = crc32((u32)mc[i][0], crc);
    /* matrix times matrix, then the bit-field extraction of the products */
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            i32 s = 0;
            for (int x = 0; x < N; x++) s += (i32)ma[i][x] * mb[x][j];
            mc[i][j] = s;
        }
    sum = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            i32 v = mc[i][j];
            sum += ((v >> 2) & 0xf) * ((v >> 5) & 0x7f);
        }
    return crc32((u32)sum, crc);
}

/* ---- state machine: classify comma-separated numbers ---- */
enum state { START, INT, SIGN, FRAC, EXPONENT, EXP_SIGN, SCIENTIFIC, INVALID, STATES };
static const char *const tokens[] = {"5012", "1.25", "-0.007", "3e4", "x1", "+77", "12.5e-3", "--1",
                                     "0x10", "999999", "4.", ".5", "1e+", "-6e-10", "T0.3e-1F", "1.3"};
static char text[1024];

static enum state step(enum state s, char c, u32 *transitions) {
    enum state n = s;
    int digit = c >= '0' && c <= '9';
    switch (s) {
    case START:
        n = digit ? INT : (c == '+' || c == '-') ? SIGN : c == '.' ? FRAC : INVALID;
        break;
    case SIGN: n = digit ? INT : c == '.' ? FRAC : INVALID; break;
    case INT: n = digit ? INT : c == '.' ? FRAC : (c == 'e' || c == 'E') ? EXPONENT : INVALID; break;
    case FRAC: n = digit ? FRAC : (c == 'e' || c == 'E') ? EXPONENT : INVALID; break;
    case EXPONENT: n = (c == '+' || c == '-') ? EXP_SIGN : digit ? SCIENTIFIC : INVALID; break;
    case EXP_SIGN: n = digit ? SCIENTIFIC : INVALID; break;
    case SCIENTIFIC: n = digit ? SCIENTIFIC : INVALID; break;
    default: break;
    }
    if (n != s) transitions[s]++;
    return n;
}

static u16 bench_state(u32 seed, u16 crc) {
    /* A text of tokens chosen by the seed, some of them corrupted. */
    int len = 0;
    while (len < (int)sizeof(text) - 16) {
        seed = seed * 1664525u + 1013904223u;
        const char *t = tokens[(seed >> 16) % 16];
        for (int i = 0; t[i]; i++) text[len++] = t[i];
        if ((seed >> 8) % 7 == 0) text[len - 1] ^= 0x21;
        text[len++] = ',';
    }
    text[len] = 0;
    u32 finals[STATES] = {0}, transitions[STATES] = {0};
    enum state s = START;
    for (const char *p = text; *p; p++) {
        if (*p == ',') {
            finals[s]++;
            s = START;
        } else {
            s = step(s, *p, transitions);
        }
    }
    for (int i = 0; i < STATES; i++) crc = crc32(finals[i] ^ (transitions[i] << 12), crc);
    return crc;
}

int main(void) {
    u16 crc = 0;
    for (u32 it = 0; it < ITERATIONS; it++) {
        u32 seed = 0x3415u + it * 0x9e37u;
        crc = bench_list(seed, crc);
        crc = bench_matrix(seed, crc);
        crc = bench_state(seed, crc);
    }
    puts_("coremark-like crc ");
    puthex(crc);
    puts_(crc == EXPECTED ? " ok\n" : " WRONG\n");
    return crc != EXPECTED;
}

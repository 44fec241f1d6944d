/* Integer and branch-heavy work in the spirit of CoreMark (written here, not
 * CoreMark): linked-list walking and sorting, small matrix arithmetic, a
 * state machine over a string, and CRC-16 over the results. Prints a
 * checksum, which must be the same on every machine. */
#include "bench.h"

#ifndef ITERATIONS
#define ITERATIONS 600
#endif

#define NODES 256
struct node {
    struct node *next;
    i32 value;
    u16 index;
};
static struct node nodes[NODES];

static u16 crc16(u16 crc, u32 data, int bits) {
    for (int i = 0; i < bits; i++) {
        u16 x = (u16)((data ^ crc) & 1);
        data >>= 1;
        crc = x ? (u16)((crc >> 1) ^ 0xa001) : (u16)(crc >> 1);
    }
    return crc;
}

static u32 seed = 0x1234;
static u32 next_rand(void) {
    seed = seed * 1103515245u + 12345u;
    return seed >> 8;
}

static struct node *build_list(void) {
    for (int i = 0; i < NODES; i++) {
        nodes[i].value = (i32)(next_rand() & 0xffff) - 0x8000;
        nodes[i].index = (u16)i;
        nodes[i].next = i + 1 < NODES ? &nodes[i + 1] : 0;
    }
    return &nodes[0];
}

/* Insertion sort of the list by value; returns the new head. */
static struct node *sort_list(struct node *head) {
    struct node *sorted = 0;
    while (head) {
        struct node *n = head;
        head = head->next;
        struct node **p = &sorted;
        while (*p && (*p)->value < n->value) p = &(*p)->next;
        n->next = *p;
        *p = n;
    }
    return sorted;
}

static struct node *reverse_list(struct node *head) {
    struct node *prev = 0;
    while (head) {
        struct node *n = head->next;
        head->next = prev;
        prev = head;
        head = n;
    }
    return prev;
}

#define N 12
static i32 ma[N][N], mb[N][N], mc[N][N];

static u16 matrix(u16 crc, i32 k) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            ma[i][j] = (i * N + j + k) & 0xff;
            mb[i][j] = ((j * N + i) ^ k) & 0xff;
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            i32 s = 0;
            for (int x = 0; x < N; x++) s += ma[i][x] * mb[x][j];
            mc[i][j] = s;
        }
    for (int i = 0; i < N; i++) crc = crc16(crc, (u32)mc[i][(i + k) % N], 32);
    return crc;
}

/* Classify the tokens of a string: integers, floats, scientific, invalid. */
enum state { START, INT, FRAC, EXP_SIGN, EXP, INVALID };
static const char input[] = "5012,1.25,-0.007,3e4,x1,77,12.5e-3,--1,0x10,,999999,4.,.5,1e+";

static u16 state_machine(u16 crc) {
    u32 counts[6] = {0};
    enum state s = START;
    for (const char *p = input;; p++) {
        char c = *p;
        if (c == ',' || c == 0) {
            counts[s]++;
            s = START;
            if (c == 0) break;
            continue;
        }
        switch (s) {
        case START: s = (c >= '0' && c <= '9') || c == '-' ? INT : c == '.' ? FRAC : INVALID; break;
        case INT: s = (c >= '0' && c <= '9') ? INT : c == '.' ? FRAC : c == 'e' ? EXP_SIGN : INVALID; break;
        case FRAC: s = (c >= '0' && c <= '9') ? FRAC : c == 'e' ? EXP_SIGN : INVALID; break;
        case EXP_SIGN: s = (c == '+' || c == '-' || (c >= '0' && c <= '9')) ? EXP : INVALID; break;
        case EXP: s = (c >= '0' && c <= '9') ? EXP : INVALID; break;
        default: break;
        }
    }
    for (int i = 0; i < 6; i++) crc = crc16(crc, counts[i], 16);
    return crc;
}

int main(void) {
    u16 crc = 0;
    for (int it = 0; it < ITERATIONS; it++) {
        struct node *head = build_list();
        head = sort_list(head);
        head = reverse_list(head);
        for (struct node *n = head; n; n = n->next) crc = crc16(crc, (u32)n->value, 16);
        crc = matrix(crc, it);
        crc = state_machine(crc);
    }
    puts_("intmix checksum ");
    puthex(crc);
    puts_("\n");
    return 0;
}

/* virtio-mmio (version 2) registers, split-virtqueue descriptor flags and a
 * descriptor-writing macro, shared by the bare-metal virtio drivers. */
#define VIRTIO      0x10001000
#define V_MAGIC     0x000
#define V_VERSION   0x004
#define V_DEVICE_ID 0x008
#define V_DEV_FEAT  0x010
#define V_DEV_FSEL  0x014
#define V_DRV_FEAT  0x020
#define V_DRV_FSEL  0x024
#define V_QSEL      0x030
#define V_QNUM_MAX  0x034
#define V_QNUM      0x038
#define V_QREADY    0x044
#define V_NOTIFY    0x050
#define V_ISTATUS   0x060
#define V_IACK      0x064
#define V_STATUS    0x070
#define V_QDESC     0x080
#define V_QAVAIL    0x090
#define V_QUSED     0x0a0
#define V_CONFIG    0x100
#define QSIZE       8
#define F_NEXT      1
#define F_WRITE     2
#define F_INDIRECT  4

/* Descriptor `i` of the table at `table`: addr of `label`, len, flags, next. */
#define DESC(table, i, label, len, flags, next) \
    la t0, table + 16 * (i);                    \
    la t1, label;                               \
    sd t1, 0(t0);                               \
    li t1, len;                                 \
    sw t1, 8(t0);                               \
    li t1, flags;                               \
    sh t1, 12(t0);                              \
    li t1, next;                                \
    sh t1, 14(t0)

/* The selected queue's descriptor table, available and used rings at the
 * labels `desc`, `avail`, `used` (below 4 GiB; high halves 0). s0 = device. */
#define QUEUE_ADDRS(desc, avail, used) \
    la t0, desc;                       \
    sw t0, V_QDESC(s0);                \
    sw zero, V_QDESC + 4(s0);          \
    la t0, avail;                      \
    sw t0, V_QAVAIL(s0);               \
    sw zero, V_QAVAIL + 4(s0);         \
    la t0, used;                       \
    sw t0, V_QUSED(s0);                \
    sw zero, V_QUSED + 4(s0)

/* virtio_blk.S as a driver that negotiates the low 32 feature bits only and
 * never accepts VIRTIO_F_VERSION_1, on the modern (version 2) transport: QEMU
 * 7.2 accepts FEATURES_OK and serves it, and so must svemu. */
#define NO_VERSION_1
#include "virtio_blk.S"

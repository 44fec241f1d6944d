#define LEVELS 4
#include "leaves.inc"

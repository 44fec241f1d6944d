#define LEVELS 3
#include "leaves.inc"

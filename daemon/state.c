/* state.c: md, the daemon's state (state.h). */
#include "state.h"

struct maintd	md;

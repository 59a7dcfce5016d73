/* model.c - placeholder; the model parser replaces it. */
#include "model.h"

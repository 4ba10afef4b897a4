/* Transaction screening, docs/edge-functions.md section 5. */
#ifndef EDGE_SCREENING_H
#define EDGE_SCREENING_H
#include "edge.h"
void screening(const uint8_t *in, size_t n, edge_result *r);
#endif

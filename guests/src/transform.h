/* The JSON transformer, docs/edge-functions.md section 3. */
#ifndef EDGE_TRANSFORM_H
#define EDGE_TRANSFORM_H
#include "edge.h"
void transform(const uint8_t *in, size_t n, edge_result *r);
#endif

/* The telemetry anomaly scorer, docs/edge-functions.md section 4. */
#ifndef EDGE_TELEMETRY_H
#define EDGE_TELEMETRY_H
#include "edge.h"
void telemetry(const uint8_t *in, size_t n, int64_t request_time_ms, edge_result *r);
#endif

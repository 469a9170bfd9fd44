// SPDX-License-Identifier: GPL-2.0
/*
 * The one file that instantiates the tracepoints of core/trace.h; every
 * other file only includes the header (through core/observe.h).
 */
#include "core/minikvm.h"

#define CREATE_TRACE_POINTS
#include "core/trace.h"

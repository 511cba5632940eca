#ifndef RETENTION_CLIBPQ_SHIM_H
#define RETENTION_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif

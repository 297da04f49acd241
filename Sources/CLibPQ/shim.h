// libpq for the test suite and tools: the independent client that checks our protocol code.
#include <libpq-fe.h>

/* The physical CPUs (see hyparm/pcpu.h): filled at boot, then each CPU's own through this_pcpu(). */
#include <hyparm/pcpu.h>

struct pcpu pcpus[MAX_PCPUS];
unsigned nr_pcpus;

/*
 * replay.c - main() for the fuzz harnesses on machines without libFuzzer
 * (built with -DST_FUZZ_REPLAY by tests/fuzz/build.sh): each file named on
 * the command line is fed to LLVMFuzzerTestOneInput, then `-runs=N` random
 * inputs made from them (byte flips, random lengths).  Deterministic.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef ST_FUZZ_REPLAY
/* Replay each file named on the command line, then `-runs=N` random
 * inputs built from them (byte flips, splices, random bytes). */
int main(int argc, char **argv)
{
	static uint8_t buf[16384];
	unsigned long runs = 20000;
	unsigned x = 12345;
	size_t seeds = 0;
	char **files = calloc((size_t)argc + 1, sizeof(*files));

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "-runs=", 6))
			runs = strtoul(argv[i] + 6, NULL, 10);
		else if (argv[i][0] != '-')
			files[seeds++] = argv[i];
	}
	for (size_t i = 0; i < seeds; i++) {
		FILE *f = fopen(files[i], "rb");
		size_t n;

		if (!f)
			continue;
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
	}
	for (unsigned long r = 0; r < runs; r++) {
		size_t n = 0;

		if (seeds) {
			FILE *f = fopen(files[r % seeds], "rb");

			if (f) {
				n = fread(buf, 1, sizeof(buf), f);
				fclose(f);
			}
		}
		x = x * 1103515245u + 12345u;
		if (!n || (x >> 28) == 0)
			n = (x >> 8) % sizeof(buf);
		for (int k = 0; k < 8; k++) {
			x = x * 1103515245u + 12345u;
			buf[(x >> 8) % (n ? n : 1)] = (uint8_t)(x >> 20);
		}
		LLVMFuzzerTestOneInput(buf, n);
	}
	printf("replayed %zu files and %lu random inputs\n", seeds, runs);
	free(files);
	return 0;
}
#endif

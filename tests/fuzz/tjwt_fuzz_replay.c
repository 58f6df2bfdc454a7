/* Runs the fuzz target once on each file named on the command line, for
 * compilers without libFuzzer (make check builds it with gcc). A failing
 * input aborts the program; otherwise it ends with "fuzz: N passed, 0
 * failed". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    static uint8_t buf[1 << 20];
    int i, bad = 0;

    for (i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        size_t n;

        if (!f) {
            fprintf(stderr, "fuzz: cannot read %s\n", argv[i]);
            bad++;
            continue;
        }
        n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
    }
    printf("fuzz: %d passed, %d failed\n", argc - 1 - bad, bad);
    return bad != 0;
}

/*
 * fuzz_bz2.c - arbitrary bytes as an input file, a differential test of
 * input_bz2.c against libbz2's one-shot BZ2_bzBuffToBuffDecompress(), which
 * decodes the first stream and ignores what follows it.
 *
 * Where the content is bzip2: if the one-shot decoder accepts the first
 * stream, what we read starts with the same bytes; if it rejects it, we
 * report damage; if we read one stream whole, one-shot gives the same
 * bytes.  Plus fuzz_decode.h's invariants for every input.
 */
#include "fuzz_decode.h"

#ifdef HAVE_BZIP2
#include <bzlib.h>
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_read r;
	static void *refp;

	fz_decode_input(data, size, ".bz2", &r, &refp);
#ifdef HAVE_BZIP2
	char *ref = refp;
	if (r.kind != INP_BZIP2 || r.total > FZ_CAP)
		return 0;
	unsigned got = FZ_CAP;
	int ret = BZ2_bzBuffToBuffDecompress(ref, &got, (char *)data, (unsigned)size, 0, 0);
	if (ret == BZ_OUTBUFF_FULL)
		return 0;
	if (ret == BZ_OK) {
		/* The first stream: ours has it, and maybe more streams or damage after it. */
		if (r.total < got || memcmp(r.out, ref, got) != 0)
			fz_differ("one-shot decodes other bytes for the first stream", &r, (long long)got);
		if (!r.damaged && r.members == 1 && r.total != got)
			fz_differ("one stream read whole, other length", &r, (long long)got);
		if (r.members == 0)
			fz_differ("one-shot reads a stream we did not finish", &r, (long long)got);
	} else if (!r.damaged || r.members > 0) {
		fz_differ("one-shot rejects the first stream, we do not", &r, -(long long)ret);
	}
#else
	(void)refp;
#endif
	return 0;
}

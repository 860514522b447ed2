/*
 * fuzz_xz.c - arbitrary bytes as an input file, a differential test of
 * input_xz.c against liblzma's one-shot lzma_stream_buffer_decode() with
 * LZMA_CONCATENATED (liblzma's own reading of Stream Padding and of
 * concatenated Streams) and the same memory limit.
 *
 * Where the content is xz: the one-shot decoder accepts the input exactly
 * when we read it whole, and then to the same bytes.  Plus
 * fuzz_decode.h's invariants for every input.
 */
#include "fuzz_decode.h"

#ifdef HAVE_LZMA
#include <lzma.h>
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_read r;
	static void *refp;

	fz_decode_input(data, size, ".xz", &r, &refp);
#ifdef HAVE_LZMA
	uint8_t *ref = refp;
	if (r.kind != INP_XZ || r.total >= FZ_CAP)
		return 0;
	uint64_t memlimit = INP_XZ_MEMLIMIT;
	size_t in_pos = 0, out_pos = 0;
	lzma_ret ret = lzma_stream_buffer_decode(&memlimit, LZMA_TELL_UNSUPPORTED_CHECK | LZMA_CONCATENATED,
						 NULL, data, &in_pos, size, ref, &out_pos, FZ_CAP);
	if (ret == LZMA_OK) {
		if (r.damaged)
			fz_differ("one-shot decodes what we call damaged", &r, (long long)out_pos);
		if (r.total != out_pos || memcmp(r.out, ref, out_pos) != 0)
			fz_differ("one-shot decodes other bytes", &r, (long long)out_pos);
	} else if (!r.damaged) {
		fz_differ("we read whole what one-shot rejects", &r, -(long long)ret);
	}
#else
	(void)refp;
#endif
	return 0;
}

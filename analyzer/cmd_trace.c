/* placeholder: analyzer/cmd_trace.c (to be written) */
typedef int dpf_placeholder_t;

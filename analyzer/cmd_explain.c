/* placeholder: analyzer/cmd_explain.c (to be written) */
typedef int dpf_placeholder_t;

/* placeholder: analyzer/cmd_merge.c (to be written) */
typedef int dpf_placeholder_t;

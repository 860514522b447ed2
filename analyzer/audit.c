/* placeholder: analyzer/audit.c (to be written) */
typedef int dpf_placeholder_t;

/* placeholder: analyzer/cmd_test.c (to be written) */
typedef int dpf_placeholder_t;

package org.edgebook.sandbox;

/** How the host hands a request to a guest and takes its answer back (docs/edge-functions.md section 1). */
public enum Convention {
    /** Exports {@code memory}, {@code edge_alloc} and {@code edge_handle}: the body is copied in, the answer out. */
    MEMORY,
    /** A WASI preview 1 command: the body on stdin, a CGI answer on stdout, request metadata in the environment. */
    WAGI
}

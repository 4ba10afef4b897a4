package org.edgebook.edge;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The request metadata a WAGI guest sees as its environment (docs/edge-functions.md section 1.2): the CGI variables
 * and {@code HTTP_*} for each request header, except the credentials in {@link #WITHHELD} unless the route grants
 * them. A header is matched by the variable it would become, so {@code Proxy_Authorization} is withheld as surely as
 * {@code Proxy-Authorization}. Stateless; {@link #of} runs on the event loop that received the request.
 */
final class WagiEnvironment {
    /** Headers a guest does not see unless its route lists them in {@code grantHeaders}: they carry credentials. */
    static final List<String> WITHHELD = List.of("Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie");
    private static final Set<String> WITHHELD_VARIABLES = granted(WITHHELD);

    private WagiEnvironment() {
    }

    /** The variable a header becomes: {@code HTTP_}, upper-cased, {@code -} as {@code _}. */
    static String variable(final String header) {
        return "HTTP_" + header.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** The withheld header that {@code header} names (in any case), or null if guests see it anyway. */
    static String withheld(final String header) {
        for (final String w : WITHHELD) {
            if (variable(w).equals(variable(header))) {
                return w;
            }
        }
        return null;
    }

    /** The variables of the headers in {@code grantHeaders} (may be null): what a route lets its guest see. */
    static Set<String> granted(final List<String> grantHeaders) {
        final Set<String> variables = new HashSet<>();
        if (grantHeaders != null) {
            for (final String header : grantHeaders) {
                variables.add(variable(header));
            }
        }
        return Set.copyOf(variables);
    }

    /** The environment for one request; {@code grantedVariables} as made by {@link #granted}. */
    static Map<String, String> of(final HttpServerRequest request, final int length, final String requestId,
                                  final long receivedAt, final Set<String> grantedVariables) {
        final Map<String, String> env = new HashMap<>();
        env.put("REQUEST_METHOD", request.method().name());
        env.put("PATH_INFO", request.path());
        env.put("QUERY_STRING", request.query() != null ? request.query() : "");
        env.put("CONTENT_LENGTH", Integer.toString(length));
        env.put("CONTENT_TYPE", request.getHeader(HttpHeaders.CONTENT_TYPE) != null
                ? request.getHeader(HttpHeaders.CONTENT_TYPE) : "");
        env.put("X_REQUEST_ID", requestId);
        env.put("X_REQUEST_TIME_MS", Long.toString(receivedAt));
        request.headers().forEach((name, value) -> {
            final String variable = variable(name);
            if (!WITHHELD_VARIABLES.contains(variable) || grantedVariables.contains(variable)) {
                env.put(variable, value);
            }
        });
        return env;
    }
}

package org.edgebook.cli;

import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/**
 * An API key given on the command line as {@code ID:SECRET}, as {@code edgebook up} prints it: the one reading of
 * {@code --key} for every client tool ({@code load}, {@code bench batch}). Immutable.
 */
record ClientKey(String id, byte[] secret) {

    /** Reads {@code ID:SECRET}; anything else is refused with the text given. */
    static final class Converter implements CommandLine.ITypeConverter<ClientKey> {
        @Override
        public ClientKey convert(final String value) {
            final int colon = value.indexOf(':');
            if (colon < 1 || colon == value.length() - 1) {
                throw new CommandLine.TypeConversionException("a key is ID:SECRET, as edgebook up prints it, not '"
                        + value + "'");
            }
            return new ClientKey(value.substring(0, colon), value.substring(colon + 1)
                    .getBytes(StandardCharsets.US_ASCII));
        }
    }
}

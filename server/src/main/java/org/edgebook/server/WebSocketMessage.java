package org.edgebook.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * One WebSocket message's envelope, read in one pass over its UTF-8 bytes by a streaming parser:
 * {@code {"op":…,"id":…,"channel":…,"symbol":…,"command":{…}}}. Nothing is built from the command: its bytes are
 * located ({@link #commandFrom}, {@link #commandTo}) and handed to the command decoder as they are, so a command is
 * parsed once. The client's {@code id}, any JSON value, is kept as its exact text ({@link #id}), valid JSON because
 * the parser read all of it, and is echoed without being decoded and encoded again. Unknown members are skipped; a
 * member given twice counts as its last value, as before. Stateless apart from the answer.
 * <p>
 * Threading: made and read on the socket's context.
 */
final class WebSocketMessage {
    private static final JsonFactory JSON = new JsonFactory();
    private static final String NULL = "null";

    final byte[] bytes;
    /** The {@code op} member when it is a string, else {@code ""}. */
    String op = "";
    /** The {@code id} member as its JSON text, {@code null} when absent. */
    String id = NULL;
    String channel = "";
    /** The {@code symbol} member when it is a string, else {@code null}. */
    String symbol;
    /** The command object's bytes, {@code [commandFrom, commandTo)}; empty when absent or not an object. */
    int commandFrom;
    int commandTo;

    private WebSocketMessage(final byte[] bytes) {
        this.bytes = bytes;
    }

    /** The message's envelope, or {@code null} when the text is not one JSON object. */
    static WebSocketMessage read(final String text) {
        final WebSocketMessage message = new WebSocketMessage(text.getBytes(StandardCharsets.UTF_8));
        try (JsonParser parser = JSON.createParser(message.bytes)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                final String name = parser.currentName();
                final JsonToken value = parser.nextToken();
                final int from = (int) parser.currentTokenLocation().getByteOffset();
                if (value.isScalarValue()) {
                    parser.finishToken(); // a string is read lazily: its end is known once it is read
                } else {
                    parser.skipChildren();
                }
                final int to = (int) parser.currentLocation().getByteOffset();
                switch (name) {
                    case "op" -> message.op = value == JsonToken.VALUE_STRING ? parser.getText() : "";
                    case "id" -> message.id = new String(message.bytes, from, to - from, StandardCharsets.UTF_8);
                    case "channel" -> message.channel = value == JsonToken.VALUE_STRING ? parser.getText() : "";
                    case "symbol" -> message.symbol = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                    case "command" -> {
                        message.commandFrom = value == JsonToken.START_OBJECT ? from : 0;
                        message.commandTo = value == JsonToken.START_OBJECT ? to : 0;
                    }
                    default -> {
                        // not ours: skipped whole
                    }
                }
            }
            if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
                return null;
            }
        } catch (final IOException | RuntimeException e) {
            return null;
        }
        return message;
    }
}

package org.edgebook.control.modules;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.edgebook.codec.CanonicalJson;

/**
 * The JSON this area answers, written with Jackson's generator ({@link org.edgebook.control.ControlJson#object}): every
 * value escaped by it, never pasted into text.
 * <p>
 * Threading: stateless and thread-safe.
 */
public final class ModuleJson {
    private ModuleJson() {
    }

    /** A value of {@link CanonicalJson}'s kinds: maps, lists, strings, integers, booleans, {@code NULL}. */
    public static void value(final JsonGenerator json, final Object value) throws IOException {
        switch (value) {
            case null -> json.writeNull();
            case Map<?, ?> map -> {
                json.writeStartObject();
                for (final Map.Entry<?, ?> e : map.entrySet()) {
                    json.writeFieldName((String) e.getKey());
                    value(json, e.getValue());
                }
                json.writeEndObject();
            }
            case List<?> list -> {
                json.writeStartArray();
                for (final Object o : list) {
                    value(json, o);
                }
                json.writeEndArray();
            }
            case String s -> json.writeString(s);
            case Long l -> json.writeNumber(l);
            case Integer i -> json.writeNumber(i);
            case Boolean b -> json.writeBoolean(b);
            default -> {
                if (value != CanonicalJson.NULL) {
                    throw new IllegalArgumentException("not a JSON value: " + value.getClass().getSimpleName());
                }
                json.writeNull();
            }
        }
    }

    /** A publisher key's fields. */
    public static void key(final JsonGenerator json, final PublisherKey k) throws IOException {
        json.writeStringField("publisher", k.publisher());
        json.writeStringField("keyId", k.keyId());
        json.writeStringField("publicKey", k.publicKey());
        json.writeStringField("state", k.state());
        json.writeStringField("endorsedBy", k.endorsedBy());
        json.writeStringField("endorsement", k.endorsement());
        json.writeNumberField("createdAt", k.createdAt());
        if (k.revokedAt() != 0) {
            json.writeNumberField("revokedAt", k.revokedAt());
        }
    }

    /** A module version's fields. */
    public static void module(final JsonGenerator json, final ModuleVersion m) throws IOException {
        json.writeStringField("name", m.name());
        json.writeStringField("version", m.version());
        json.writeStringField("sha256", m.sha256());
        json.writeFieldName("manifest");
        value(json, m.manifest().toMap());
        json.writeStringField("keyId", m.keyId());
        json.writeStringField("signature", m.signature());
        json.writeNumberField("size", m.size());
        json.writeNumberField("uploadedAt", m.uploadedAt());
    }

    /** A group's own fields: name, selector, priority, routes, updatedAt. */
    public static void group(final JsonGenerator json, final Group g) throws IOException {
        json.writeStringField("name", g.name());
        json.writeObjectFieldStart("selector");
        for (final Map.Entry<String, String> e : new java.util.TreeMap<>(g.selector()).entrySet()) {
            json.writeStringField(e.getKey(), e.getValue());
        }
        json.writeEndObject();
        json.writeNumberField("priority", g.priority());
        json.writeArrayFieldStart("routes");
        for (final Group.Route r : g.routes()) {
            json.writeStartObject();
            json.writeStringField("path", r.path());
            json.writeStringField("module", r.module());
            json.writeStringField("version", r.version());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeNumberField("updatedAt", g.updatedAt());
    }

    /**
     * A node's {@code group}, {@code desired} routes and {@code drift} (docs/control-plane.md section 5, the node's
     * detail), as fields of the object being written.
     */
    public static void nodeDrift(final JsonGenerator json, final Drift.NodeDrift d) throws IOException {
        json.writeStringField("group", d.group());
        json.writeArrayFieldStart("desired");
        for (final DesiredRoute r : d.desired()) {
            json.writeStartObject();
            json.writeStringField("path", r.path());
            json.writeStringField("module", r.module().name());
            json.writeStringField("version", r.module().version());
            json.writeStringField("sha256", r.module().sha256());
            if (r.shadow() != null) {
                json.writeStringField("shadowVersion", r.shadow().version());
            }
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeArrayFieldStart("drift");
        for (final Drift.RouteDrift r : d.drifted()) {
            json.writeStartObject();
            json.writeStringField("path", r.path());
            json.writeStringField("module", r.module());
            json.writeStringField("desiredVersion", r.desiredVersion());
            json.writeStringField("reportedModule", r.reportedModule());
            json.writeStringField("reportedVersion", r.reportedVersion());
            json.writeEndObject();
        }
        json.writeEndArray();
    }
}

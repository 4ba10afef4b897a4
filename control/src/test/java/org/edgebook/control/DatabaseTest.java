package org.edgebook.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.edgebook.control.store.Database;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DatabaseTest {
    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void eachStoreIsMigratedOnOpenAndKeepsItsDataAcrossOpens(final Database.Kind kind, @TempDir final Path dir)
            throws SQLException {
        final Database first = TestStores.open(kind, dir);
        try (Database db = first) {
            assertThat(db.kind()).isEqualTo(kind);
            db.inTransaction(c -> c.createStatement().executeUpdate(
                    "INSERT INTO store_info (fact_name, fact_text) VALUES ('probe', 'kept')"));
        }
        try (Database db = TestStores.reopen(first, dir)) {
            final String value = db.inTransaction(c -> {
                try (ResultSet r = c.createStatement().executeQuery(
                        "SELECT fact_text FROM store_info WHERE fact_name = 'probe'")) {
                    return r.next() ? r.getString(1) : null;
                }
            });
            assertThat(value).isEqualTo("kept");
        }
    }

    @Test
    void anUnknownUrlIsRefusedByName() {
        assertThatThrownBy(() -> Database.open("jdbc:mysql://x/y", null, null)).isInstanceOf(SQLException.class)
                .hasMessageContaining("jdbc:mysql://x/y");
    }
}

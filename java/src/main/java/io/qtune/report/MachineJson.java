package io.qtune.report;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import io.qtune.platform.Machine;
import java.io.IOException;

/** Writes a {@link Machine} as its own {@link Machine#toMap()} says, so every output names its fields alike. */
final class MachineJson extends JsonSerializer<Machine> {
    @Override
    public void serialize(Machine m, JsonGenerator g, SerializerProvider p) throws IOException {
        p.defaultSerializeValue(m.toMap(), g);
    }
}

package dev.sluice.devstack.registry;

/** Schemas that evolve in the ways compatibility rules care about. */
final class TestSchemas {
    static final String ORDER_V1 = """
            {"type":"record","name":"Order","namespace":"dev.sluice.test","fields":[
              {"name":"id","type":"string"}]}""";

    /** V1 plus a field with a default: readable both ways. */
    static final String ORDER_WITH_NOTE = """
            {"type":"record","name":"Order","namespace":"dev.sluice.test","fields":[
              {"name":"id","type":"string"},
              {"name":"note","type":"string","default":""}]}""";

    /** V1 plus a field without a default: the new schema cannot read V1 data. */
    static final String ORDER_WITH_AMOUNT = """
            {"type":"record","name":"Order","namespace":"dev.sluice.test","fields":[
              {"name":"id","type":"string"},
              {"name":"amount","type":"long"}]}""";

    /** The canonical text Avro's Schema.toString() gives for ORDER_V1. */
    static final String ORDER_V1_CANONICAL =
            "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"dev.sluice.test\",\"fields\":"
                    + "[{\"name\":\"id\",\"type\":\"string\"}]}";

    static final String PAYMENT = """
            {"type":"record","name":"Payment","namespace":"dev.sluice.test","fields":[
              {"name":"amount","type":"long"}]}""";

    private TestSchemas() {}
}

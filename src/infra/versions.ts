/** Versions of the JVM services, kept next to the poms in infra/ that fetch them. */
export const KAFKA_VERSION = '4.1.1';
/** 3.0.9 runs on Java 17; the 3.1.x runnable archives are not on Maven Central and 3.2+ need Java 21. */
export const APICURIO_VERSION = '3.0.9';
export const APICURIO_ARTIFACT = `io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all`;

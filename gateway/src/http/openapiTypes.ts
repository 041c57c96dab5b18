/** The subset of JSON Schema 2020-12 (as OpenAPI 3.1 uses it) the gateway's document is written in. */
export interface JsonSchema {
  $ref?: string;
  type?: "object" | "array" | "string" | "boolean" | "integer" | "number" | "null";
  description?: string;
  pattern?: string;
  format?: string;
  const?: string | boolean;
  enum?: readonly string[];
  minLength?: number;
  maxLength?: number;
  properties?: Readonly<Record<string, JsonSchema>>;
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  oneOf?: readonly JsonSchema[];
}

/** A reference to a component. */
export interface Reference {
  $ref: string;
}

/** A path or query parameter. */
export interface Parameter {
  name: string;
  in: "path" | "query";
  required: boolean;
  description: string;
  schema: JsonSchema;
}

/** A body of one media type. */
export interface MediaType {
  schema: JsonSchema;
}

/** One response of an operation. */
export interface ResponseObject {
  description: string;
  headers?: Readonly<Record<string, { description: string; schema: JsonSchema }>>;
  content?: Readonly<Record<string, MediaType>>;
}

/** One method on one path. */
export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  security?: readonly Readonly<Record<string, readonly string[]>>[];
  parameters?: readonly (Parameter | Reference)[];
  requestBody?: { required: true; content: Readonly<Record<string, MediaType>> };
  responses: Readonly<Record<string, ResponseObject | Reference>>;
}

/** The operations of one path. */
export interface PathItem {
  get?: Operation;
  post?: Operation;
}

/** An OpenAPI 3.1 document. */
export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string; license: { name: string; identifier: string } };
  paths: Readonly<Record<string, PathItem>>;
  components: {
    schemas: Readonly<Record<string, JsonSchema>>;
    responses: Readonly<Record<string, ResponseObject>>;
    parameters: Readonly<Record<string, Parameter>>;
    securitySchemes: Readonly<
      Record<string, { type: "http"; scheme: "bearer"; bearerFormat: string; description: string }>
    >;
  };
}

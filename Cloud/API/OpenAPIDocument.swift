/// The API's OpenAPI 3.1 document, served at `/api/v1/openapi.json`. A test checks that it names every
/// route the router serves, and the interop tests validate real answers against its schemas.
enum OpenAPIDocument {
    /// The whole document: the core below with the firmware routes (``OpenAPIFragments``) merged in.
    static let json = OpenAPIFragments.merged(into: core)

    static let core = #"""
        {
         "components": {
          "responses": {
           "P400": {
            "content": {
             "application/problem+json": {
              "schema": {
               "$ref": "#/components/schemas/Problem"
              }
             }
            },
            "description": "Bad request: the detail names the parameter or field"
           },
           "P401": {
            "content": {
             "application/problem+json": {
              "schema": {
               "$ref": "#/components/schemas/Problem"
              }
             }
            },
            "description": "No valid API token"
           },
           "P403": {
            "content": {
             "application/problem+json": {
              "schema": {
               "$ref": "#/components/schemas/Problem"
              }
             }
            },
            "description": "The token's role lacks the permission"
           },
           "P404": {
            "content": {
             "application/problem+json": {
              "schema": {
               "$ref": "#/components/schemas/Problem"
              }
             }
            },
            "description": "Not found, or not visible to the caller"
           },
           "P409": {
            "content": {
             "application/problem+json": {
              "schema": {
               "$ref": "#/components/schemas/Problem"
              }
             }
            },
            "description": "The site's edge or the station is not connected"
           },
           "P502": {
            "content": {
             "application/problem+json": {
              "schema": {
               "$ref": "#/components/schemas/Problem"
              }
             }
            },
            "description": "The station answered with an error"
           },
           "P503": {
            "content": {
             "application/problem+json": {
              "schema": {
               "$ref": "#/components/schemas/Problem"
              }
             }
            },
            "description": "The cloud is not connected to the broker"
           },
           "P504": {
            "content": {
             "application/problem+json": {
              "schema": {
               "$ref": "#/components/schemas/Problem"
              }
             }
            },
            "description": "No answer in time"
           }
          },
          "schemas": {
           "CommandAnswer": {
            "properties": {
             "id": {
              "type": "string"
             },
             "outcome": {
              "const": "accepted"
             },
             "response": {
              "description": "The station's OCPP answer",
              "type": "object"
             }
            },
            "required": [
             "id",
             "outcome",
             "response"
            ],
            "type": "object"
           },
           "Connector": {
            "properties": {
             "connector": {
              "type": "integer"
             },
             "errorCode": {
              "type": "string"
             },
             "info": {
              "type": "string"
             },
             "since": {
              "format": "date-time",
              "type": "string"
             },
             "station": {
              "type": "string"
             },
             "status": {
              "description": "OCPP status: Available, Preparing, Charging, SuspendedEV, SuspendedEVSE, Finishing, Reserved, Unavailable, Faulted",
              "type": "string"
             },
             "vendorErrorCode": {
              "type": "string"
             },
             "vendorId": {
              "type": "string"
             }
            },
            "required": [
             "station",
             "connector",
             "status",
             "since"
            ],
            "type": "object"
           },
           "Event": {
            "properties": {
             "code": {
              "description": "OCPP error code or command action, as sent",
              "type": "string"
             },
             "connector": {
              "type": "integer"
             },
             "detail": {
              "description": "A JSON object, as text",
              "type": "string"
             },
             "kind": {
              "type": "string"
             },
             "seq": {
              "type": "integer"
             },
             "severity": {
              "enum": [
               "info",
               "warning",
               "error"
              ],
              "type": "string"
             },
             "site": {
              "type": "string"
             },
             "station": {
              "type": "string"
             },
             "time": {
              "format": "date-time",
              "type": "string"
             }
            },
            "required": [
             "site",
             "seq",
             "time",
             "kind",
             "severity",
             "detail"
            ],
            "type": "object"
           },
           "LoadSettings": {
            "additionalProperties": false,
            "description": "A site's load-management settings. In a change only the fields given change (at least one); the answer has every field, as in effect on the edge. Turning load management on or off is done in the edge's edge.yaml.",
            "properties": {
             "failsafeCurrentA": {
              "description": "What every car gets while the meter is unreadable or the edge is gone, A (0 pauses them; otherwise at least minCurrentA)",
              "maximum": 80,
              "minimum": 0,
              "type": "number"
             },
             "gridLimitA": {
              "description": "The main fuse per phase, A",
              "maximum": 4000,
              "minimum": 6,
              "type": "number"
             },
             "minCurrentA": {
              "description": "The least a car charges with, A (set in edge.yaml; in answers only)",
              "readOnly": true,
              "type": "number"
             },
             "mode": {
              "description": "static: a fixed current per phase shared among the cars; dynamic: what the building leaves under the fuse (needs a meter on the site)",
              "enum": [
               "static",
               "dynamic"
              ],
              "type": "string"
             },
             "staticCurrentA": {
              "description": "The current per phase shared in static mode, A",
              "maximum": 4000,
              "minimum": 0,
              "type": "number"
             },
             "strategy": {
              "enum": [
               "equal",
               "fifo",
               "priority"
              ],
              "type": "string"
             }
            },
            "type": "object"
           },
           "MeterPoint": {
            "properties": {
             "currentA": {
              "description": "L1, L2, L3",
              "items": {
               "type": [
                "number",
                "null"
               ]
              },
              "type": "array"
             },
             "energyImportWh": {
              "type": "number"
             },
             "meter": {
              "type": "string"
             },
             "powerW": {
              "type": "number"
             },
             "role": {
              "enum": [
               "grid",
               "building"
              ],
              "type": "string"
             },
             "time": {
              "format": "date-time",
              "type": "string"
             }
            },
            "required": [
             "time",
             "meter",
             "role",
             "currentA"
            ],
            "type": "object"
           },
           "Problem": {
            "properties": {
             "detail": {
              "type": "string"
             },
             "status": {
              "type": "integer"
             },
             "title": {
              "type": "string"
             },
             "type": {
              "type": "string"
             }
            },
            "required": [
             "type",
             "title",
             "status",
             "detail"
            ],
            "type": "object"
           },
           "Session": {
            "properties": {
             "active": {
              "type": "boolean"
             },
             "authStatus": {
              "type": "string"
             },
             "connector": {
              "type": "integer"
             },
             "currentA": {
              "type": "number"
             },
             "energyWh": {
              "description": "Energy delivered (so far), Wh",
              "type": "number"
             },
             "idTag": {
              "type": "string"
             },
             "meterStartWh": {
              "type": "number"
             },
             "meterStopWh": {
              "type": "number"
             },
             "powerW": {
              "type": "number"
             },
             "site": {
              "type": "string"
             },
             "soc": {
              "type": "number"
             },
             "startTime": {
              "format": "date-time",
              "type": "string"
             },
             "station": {
              "type": "string"
             },
             "stopReason": {
              "type": "string"
             },
             "stopTime": {
              "format": "date-time",
              "type": "string"
             },
             "transactionId": {
              "type": "integer"
             },
             "updatedAt": {
              "format": "date-time",
              "type": "string"
             }
            },
            "required": [
             "site",
             "transactionId",
             "station",
             "connector",
             "active"
            ],
            "type": "object"
           },
           "Site": {
            "properties": {
             "createdAt": {
              "format": "date-time",
              "type": "string"
             },
             "id": {
              "type": "string"
             },
             "lastSeenAt": {
              "format": "date-time",
              "type": "string"
             },
             "lastSeq": {
              "description": "Highest message sequence number applied",
              "type": "integer"
             },
             "name": {
              "type": "string"
             },
             "online": {
              "description": "The edge is connected to the broker",
              "type": "boolean"
             },
             "tokenListVersion": {
              "type": "integer"
             }
            },
            "required": [
             "id",
             "name",
             "createdAt",
             "online",
             "lastSeq",
             "tokenListVersion"
            ],
            "type": "object"
           },
           "Station": {
            "properties": {
             "approval": {
              "type": "string"
             },
             "connected": {
              "type": "boolean"
             },
             "connectionChangedAt": {
              "format": "date-time",
              "type": "string"
             },
             "connectors": {
              "items": {
               "$ref": "#/components/schemas/Connector"
              },
              "type": "array"
             },
             "firmwareVersion": {
              "type": "string"
             },
             "id": {
              "type": "string"
             },
             "lastBootAt": {
              "format": "date-time",
              "type": "string"
             },
             "model": {
              "type": "string"
             },
             "serialNumber": {
              "type": "string"
             },
             "site": {
              "type": "string"
             },
             "vendor": {
              "type": "string"
             }
            },
            "required": [
             "id",
             "site",
             "connected",
             "connectors"
            ],
            "type": "object"
           },
           "Token": {
            "properties": {
             "expiry": {
              "format": "date-time",
              "type": "string"
             },
             "idTag": {
              "maxLength": 20,
              "type": "string"
             },
             "parentIdTag": {
              "type": "string"
             },
             "status": {
              "enum": [
               "Accepted",
               "Blocked",
               "Expired",
               "Invalid"
              ],
              "type": "string"
             }
            },
            "required": [
             "idTag",
             "status"
            ],
            "type": "object"
           },
           "TokenList": {
            "properties": {
             "tokens": {
              "items": {
               "$ref": "#/components/schemas/Token"
              },
              "type": "array"
             },
             "version": {
              "type": "integer"
             }
            },
            "required": [
             "version",
             "tokens"
            ],
            "type": "object"
           }
          },
          "securitySchemes": {
           "bearer": {
            "scheme": "bearer",
            "type": "http"
           }
          }
         },
         "info": {
          "description": "Sites, stations, sessions, meter readings and events of every Gridside site, and commands relayed to stations. Authenticate with `Authorization: Bearer <token>` (`gridside-cloud token create`). Errors are application/problem+json.",
          "title": "Gridside cloud API",
          "version": "1"
         },
         "openapi": "3.1.0",
         "paths": {
          "/events": {
           "get": {
            "operationId": "listEvents",
            "parameters": [
             {
              "description": "Site id",
              "in": "query",
              "name": "site",
              "required": false,
              "schema": {
               "type": "string"
              }
             },
             {
              "description": "Station id",
              "in": "query",
              "name": "station",
              "required": false,
              "schema": {
               "type": "string"
              }
             },
             {
              "description": "status, connected, disconnected, boot, command, firmware_status, …",
              "in": "query",
              "name": "kind",
              "required": false,
              "schema": {
               "type": "string"
              }
             },
             {
              "description": "info, warning or error",
              "in": "query",
              "name": "severity",
              "required": false,
              "schema": {
               "enum": [
                "info",
                "warning",
                "error"
               ],
               "type": "string"
              }
             },
             {
              "description": "At or after",
              "in": "query",
              "name": "from",
              "required": false,
              "schema": {
               "format": "date-time",
               "type": "string"
              }
             },
             {
              "description": "Before",
              "in": "query",
              "name": "to",
              "required": false,
              "schema": {
               "format": "date-time",
               "type": "string"
              }
             },
             {
              "description": "1-1000, default 100",
              "in": "query",
              "name": "limit",
              "required": false,
              "schema": {
               "maximum": 1000,
               "minimum": 1,
               "type": "integer"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "properties": {
                  "items": {
                   "items": {
                    "$ref": "#/components/schemas/Event"
                   },
                   "type": "array"
                  }
                 },
                 "required": [
                  "items"
                 ],
                 "type": "object"
                }
               }
              },
              "description": "OK"
             },
             "400": {
              "$ref": "#/components/responses/P400"
             },
             "401": {
              "$ref": "#/components/responses/P401"
             }
            },
            "summary": "Event history: status changes, connections, station events, commands, newest first"
           }
          },
          "/sessions": {
           "get": {
            "operationId": "listSessions",
            "parameters": [
             {
              "description": "Site id",
              "in": "query",
              "name": "site",
              "required": false,
              "schema": {
               "type": "string"
              }
             },
             {
              "description": "Station id",
              "in": "query",
              "name": "station",
              "required": false,
              "schema": {
               "type": "string"
              }
             },
             {
              "description": "idTag",
              "in": "query",
              "name": "token",
              "required": false,
              "schema": {
               "type": "string"
              }
             },
             {
              "description": "Started at or after",
              "in": "query",
              "name": "from",
              "required": false,
              "schema": {
               "format": "date-time",
               "type": "string"
              }
             },
             {
              "description": "Started before",
              "in": "query",
              "name": "to",
              "required": false,
              "schema": {
               "format": "date-time",
               "type": "string"
              }
             },
             {
              "description": "true: running only; false: finished only",
              "in": "query",
              "name": "active",
              "required": false,
              "schema": {
               "type": "boolean"
              }
             },
             {
              "description": "Page size (1-500, default 50)",
              "in": "query",
              "name": "limit",
              "required": false,
              "schema": {
               "maximum": 500,
               "minimum": 1,
               "type": "integer"
              }
             },
             {
              "description": "The next value of the previous page",
              "in": "query",
              "name": "cursor",
              "required": false,
              "schema": {
               "type": "string"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "properties": {
                  "items": {
                   "items": {
                    "$ref": "#/components/schemas/Session"
                   },
                   "type": "array"
                  },
                  "next": {
                   "description": "Pass as cursor for the next page; absent on the last",
                   "type": [
                    "string",
                    "null"
                   ]
                  }
                 },
                 "required": [
                  "items"
                 ],
                 "type": "object"
                }
               }
              },
              "description": "OK"
             },
             "400": {
              "$ref": "#/components/responses/P400"
             },
             "401": {
              "$ref": "#/components/responses/P401"
             }
            },
            "summary": "Charging sessions, newest first, one page at a time"
           }
          },
          "/sessions/{site}/{transaction}": {
           "get": {
            "operationId": "getSession",
            "parameters": [
             {
              "description": "Site id",
              "in": "path",
              "name": "site",
              "required": true,
              "schema": {
               "type": "string"
              }
             },
             {
              "description": "Transaction id",
              "in": "path",
              "name": "transaction",
              "required": true,
              "schema": {
               "type": "integer"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Session"
                }
               }
              },
              "description": "OK"
             },
             "401": {
              "$ref": "#/components/responses/P401"
             },
             "404": {
              "$ref": "#/components/responses/P404"
             }
            },
            "summary": "One session"
           }
          },
          "/sites": {
           "get": {
            "operationId": "listSites",
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "properties": {
                  "items": {
                   "items": {
                    "$ref": "#/components/schemas/Site"
                   },
                   "type": "array"
                  }
                 },
                 "required": [
                  "items"
                 ],
                 "type": "object"
                }
               }
              },
              "description": "OK"
             },
             "401": {
              "$ref": "#/components/responses/P401"
             }
            },
            "summary": "Sites the caller may see"
           }
          },
          "/sites/{site}": {
           "get": {
            "operationId": "getSite",
            "parameters": [
             {
              "description": "Site id",
              "in": "path",
              "name": "site",
              "required": true,
              "schema": {
               "type": "string"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Site"
                }
               }
              },
              "description": "OK"
             },
             "401": {
              "$ref": "#/components/responses/P401"
             },
             "404": {
              "$ref": "#/components/responses/P404"
             }
            },
            "summary": "One site"
           }
          },
          "/sites/{site}/load-management": {
           "put": {
            "operationId": "putLoadManagement",
            "parameters": [
             {
              "description": "Site id",
              "in": "path",
              "name": "site",
              "required": true,
              "schema": {
               "type": "string"
              }
             }
            ],
            "requestBody": {
             "content": {
              "application/json": {
               "schema": {
                "$ref": "#/components/schemas/LoadSettings"
               }
              }
             },
             "required": true
            },
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/CommandAnswer"
                }
               }
              },
              "description": "The edge's answer: response holds the LoadSettings in effect"
             },
             "400": {
              "$ref": "#/components/responses/P400"
             },
             "401": {
              "$ref": "#/components/responses/P401"
             },
             "403": {
              "$ref": "#/components/responses/P403"
             },
             "404": {
              "$ref": "#/components/responses/P404"
             },
             "409": {
              "$ref": "#/components/responses/P409"
             },
             "502": {
              "$ref": "#/components/responses/P502"
             },
             "503": {
              "$ref": "#/components/responses/P503"
             },
             "504": {
              "$ref": "#/components/responses/P504"
             }
            },
            "summary": "Change the site's load-management settings on its edge, which checks them against its configuration, applies them without a restart and keeps them; answers with the settings in effect"
           }
          },
          "/sites/{site}/meters": {
           "get": {
            "operationId": "meterSeries",
            "parameters": [
             {
              "description": "Site id",
              "in": "path",
              "name": "site",
              "required": true,
              "schema": {
               "type": "string"
              }
             },
             {
              "description": "Start (ISO 8601)",
              "in": "query",
              "name": "from",
              "required": false,
              "schema": {
               "format": "date-time",
               "type": "string"
              }
             },
             {
              "description": "End, exclusive (ISO 8601)",
              "in": "query",
              "name": "to",
              "required": false,
              "schema": {
               "format": "date-time",
               "type": "string"
              }
             },
             {
              "description": "At most this many readings, newest kept (1-10000, default 1000)",
              "in": "query",
              "name": "limit",
              "required": false,
              "schema": {
               "maximum": 10000,
               "minimum": 1,
               "type": "integer"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "properties": {
                  "items": {
                   "items": {
                    "$ref": "#/components/schemas/MeterPoint"
                   },
                   "type": "array"
                  }
                 },
                 "required": [
                  "items"
                 ],
                 "type": "object"
                }
               }
              },
              "description": "OK"
             },
             "400": {
              "$ref": "#/components/responses/P400"
             },
             "401": {
              "$ref": "#/components/responses/P401"
             },
             "404": {
              "$ref": "#/components/responses/P404"
             }
            },
            "summary": "The site meters' readings over time"
           }
          },
          "/sites/{site}/tokens": {
           "get": {
            "operationId": "getTokens",
            "parameters": [
             {
              "description": "Site id",
              "in": "path",
              "name": "site",
              "required": true,
              "schema": {
               "type": "string"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/TokenList"
                }
               }
              },
              "description": "OK"
             },
             "401": {
              "$ref": "#/components/responses/P401"
             },
             "404": {
              "$ref": "#/components/responses/P404"
             }
            },
            "summary": "The site's token list"
           },
           "put": {
            "operationId": "putTokens",
            "parameters": [
             {
              "description": "Site id",
              "in": "path",
              "name": "site",
              "required": true,
              "schema": {
               "type": "string"
              }
             }
            ],
            "requestBody": {
             "content": {
              "application/json": {
               "schema": {
                "properties": {
                 "tokens": {
                  "items": {
                   "$ref": "#/components/schemas/Token"
                  },
                  "type": "array"
                 }
                },
                "required": [
                 "tokens"
                ],
                "type": "object"
               }
              }
             },
             "required": true
            },
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/TokenList"
                }
               }
              },
              "description": "OK"
             },
             "400": {
              "$ref": "#/components/responses/P400"
             },
             "401": {
              "$ref": "#/components/responses/P401"
             },
             "403": {
              "$ref": "#/components/responses/P403"
             },
             "404": {
              "$ref": "#/components/responses/P404"
             }
            },
            "summary": "Replace the site's token list; the edge keeps it and sends it to its chargers (SendLocalList)"
           }
          },
          "/stations": {
           "get": {
            "operationId": "listStations",
            "parameters": [
             {
              "description": "Only this site's",
              "in": "query",
              "name": "site",
              "required": false,
              "schema": {
               "type": "string"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "properties": {
                  "items": {
                   "items": {
                    "$ref": "#/components/schemas/Station"
                   },
                   "type": "array"
                  }
                 },
                 "required": [
                  "items"
                 ],
                 "type": "object"
                }
               }
              },
              "description": "OK"
             },
             "401": {
              "$ref": "#/components/responses/P401"
             }
            },
            "summary": "Stations with their connectors' live status"
           }
          },
          "/stations/{station}": {
           "get": {
            "operationId": "getStation",
            "parameters": [
             {
              "description": "Station id (URL-encoded)",
              "in": "path",
              "name": "station",
              "required": true,
              "schema": {
               "type": "string"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Station"
                }
               }
              },
              "description": "OK"
             },
             "401": {
              "$ref": "#/components/responses/P401"
             },
             "404": {
              "$ref": "#/components/responses/P404"
             }
            },
            "summary": "One station"
           }
          },
          "/stations/{station}/commands/{action}": {
           "post": {
            "operationId": "sendCommand",
            "parameters": [
             {
              "description": "Station id",
              "in": "path",
              "name": "station",
              "required": true,
              "schema": {
               "type": "string"
              }
             },
             {
              "description": "An OCPP 1.6 central-system action, e.g. RemoteStartTransaction, Reset, ChangeAvailability",
              "in": "path",
              "name": "action",
              "required": true,
              "schema": {
               "type": "string"
              }
             }
            ],
            "requestBody": {
             "content": {
              "application/json": {
               "schema": {
                "type": "object"
               }
              }
             },
             "description": "The OCPP payload of the action (empty means {})",
             "required": false
            },
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/CommandAnswer"
                }
               }
              },
              "description": "OK"
             },
             "400": {
              "$ref": "#/components/responses/P400"
             },
             "401": {
              "$ref": "#/components/responses/P401"
             },
             "403": {
              "$ref": "#/components/responses/P403"
             },
             "404": {
              "$ref": "#/components/responses/P404"
             },
             "409": {
              "$ref": "#/components/responses/P409"
             },
             "502": {
              "$ref": "#/components/responses/P502"
             },
             "503": {
              "$ref": "#/components/responses/P503"
             },
             "504": {
              "$ref": "#/components/responses/P504"
             }
            },
            "summary": "Relay an OCPP 1.6 command to the station through its edge and return the station's answer"
           }
          },
          "/stations/{station}/connectors": {
           "get": {
            "operationId": "getConnectors",
            "parameters": [
             {
              "description": "Station id",
              "in": "path",
              "name": "station",
              "required": true,
              "schema": {
               "type": "string"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "properties": {
                  "items": {
                   "items": {
                    "$ref": "#/components/schemas/Connector"
                   },
                   "type": "array"
                  }
                 },
                 "required": [
                  "items"
                 ],
                 "type": "object"
                }
               }
              },
              "description": "OK"
             },
             "401": {
              "$ref": "#/components/responses/P401"
             },
             "404": {
              "$ref": "#/components/responses/P404"
             }
            },
            "summary": "A station's connectors with live status"
           }
          }
         },
         "security": [
          {
           "bearer": []
          }
         ],
         "servers": [
          {
           "url": "/api/v1"
          }
         ]
        }
        """#
}

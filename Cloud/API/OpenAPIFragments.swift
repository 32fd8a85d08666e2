import Foundation

/// Parts of the OpenAPI document kept beside the core (firmware, vehicles), merged into ``OpenAPIDocument/json``
/// (paths and schemas).
enum OpenAPIFragments {
    static let vehicles = #"""
        {
         "paths": {
          "/sites/{site}": {
           "put": {
            "operationId": "updateSite", "summary": "Change a site's name and location (fields left out are kept)",
            "parameters": [{"in": "path", "name": "site", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
             "type": "object", "properties": {
              "name": {"type": "string"}, "address": {"type": "string"},
              "latitude": {"type": "number", "minimum": -90, "maximum": 90},
              "longitude": {"type": "number", "minimum": -180, "maximum": 180},
              "timeZone": {"type": "string", "description": "IANA, such as Europe/Berlin"}}}}}},
            "responses": {
             "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Site"}}}},
             "400": {"$ref": "#/components/responses/P400"}, "401": {"$ref": "#/components/responses/P401"},
             "403": {"$ref": "#/components/responses/P403"}, "404": {"$ref": "#/components/responses/P404"}
            }
           }
          },
          "/sites/{site}/stations": {
           "post": {
            "operationId": "registerStation",
            "summary": "Add a station to a site ahead of its first connection; the edge takes it without a restart",
            "parameters": [{"in": "path", "name": "site", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
             "type": "object", "required": ["id"], "properties": {
              "id": {"type": "string", "maxLength": 48, "pattern": "^[A-Za-z0-9*_=+|@.-]{1,48}$"},
              "password": {"type": "string", "minLength": 16, "maxLength": 40, "description": "Basic auth (security profiles 1 and 2); only its bcrypt hash leaves the cloud. Absent: a station registered before keeps its password"},
              "removePassword": {"type": "boolean", "description": "true: the station connects without Basic auth from now on (security profile 0)"},
              "maxCurrentA": {"type": "number", "minimum": 6, "maximum": 500, "description": "Default 32"},
              "phases": {"enum": [1, 3], "description": "Default 3"},
              "rotation": {"type": "string", "description": "L1L2L3, L2L3L1, L3L1L2, or L1, L2, L3 for one phase"},
              "priority": {"type": "integer", "minimum": -100, "maximum": 100},
              "group": {"type": "string", "description": "A group the station joins at once (404 when there is none)"}}}}}},
            "responses": {
             "200": {"description": "The edge's answer", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CommandAnswer"}}}},
             "400": {"$ref": "#/components/responses/P400"}, "401": {"$ref": "#/components/responses/P401"},
             "403": {"$ref": "#/components/responses/P403"}, "404": {"$ref": "#/components/responses/P404"},
             "409": {"$ref": "#/components/responses/P409"}, "504": {"$ref": "#/components/responses/P504"}
            }
           }
          },
          "/sites/{site}/stations/{station}/move": {
           "post": {
            "operationId": "moveStation",
            "summary": "Say that a station was moved to another site: its grants and groups go with it; its sessions and events stay where they happened (register it at the new site's edge for its password and wiring). Staff admins only",
            "parameters": [{"in": "path", "name": "site", "required": true, "schema": {"type": "string"}},
             {"in": "path", "name": "station", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
             "type": "object", "required": ["site"], "properties": {"site": {"type": "string", "description": "The site the station is at now"}}}}}},
            "responses": {
             "200": {"description": "The station at its new site", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Station"}}}},
             "400": {"$ref": "#/components/responses/P400"}, "401": {"$ref": "#/components/responses/P401"},
             "403": {"$ref": "#/components/responses/P403"}, "404": {"$ref": "#/components/responses/P404"}
            }
           }
          },
          "/stations/{station}/approval": {
           "post": {
            "operationId": "setStationApproval",
            "summary": "Approve (or reject) a station that booted as pending; the edge keeps it and it takes effect at once",
            "parameters": [{"in": "path", "name": "station", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
             "type": "object", "required": ["approval"], "properties": {"approval": {"enum": ["accepted", "rejected"]}}}}}},
            "responses": {
             "200": {"description": "The edge's answer", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CommandAnswer"}}}},
             "400": {"$ref": "#/components/responses/P400"}, "401": {"$ref": "#/components/responses/P401"},
             "403": {"$ref": "#/components/responses/P403"}, "404": {"$ref": "#/components/responses/P404"},
             "409": {"$ref": "#/components/responses/P409"}, "504": {"$ref": "#/components/responses/P504"}
            }
           }
          },
          "/reservations": {
           "get": {
            "operationId": "listReservations",
            "summary": "Planned sessions: reservations made from the cloud (ReserveNow the station accepted) not yet expired, cancelled or used",
            "responses": {
             "200": {"description": "OK", "content": {"application/json": {"schema": {
              "type": "object", "required": ["items"],
              "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Reservation"}}}}}}},
             "401": {"$ref": "#/components/responses/P401"}
            }
           }
          },
          "/groups": {
           "get": {
            "operationId": "listGroups",
            "summary": "Groups of stations (within or across sites) with their connectors counted by state; the fleet's own staff only (others get none)",
            "responses": {
             "200": {"description": "OK", "content": {"application/json": {"schema": {
              "type": "object", "required": ["items"],
              "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/StationGroup"}}}}}}},
             "401": {"$ref": "#/components/responses/P401"}
            }
           }
          },
          "/groups/{group}": {
           "put": {
            "operationId": "saveGroup", "summary": "Create a group or replace its name and stations",
            "parameters": [{"in": "path", "name": "group", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
             "type": "object", "required": ["name", "stations"], "properties": {
              "name": {"type": "string"}, "stations": {"type": "array", "items": {"type": "string", "description": "site/station (a bare id only when it is known at one site)"}}}}}}},
            "responses": {
             "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/StationGroup"}}}},
             "400": {"$ref": "#/components/responses/P400"}, "401": {"$ref": "#/components/responses/P401"},
             "403": {"$ref": "#/components/responses/P403"}, "404": {"$ref": "#/components/responses/P404"}
            }
           },
           "delete": {
            "operationId": "deleteGroup", "summary": "Remove a group (its stations stay)",
            "parameters": [{"in": "path", "name": "group", "required": true, "schema": {"type": "string"}}],
            "responses": {
             "204": {"description": "Removed"}, "401": {"$ref": "#/components/responses/P401"},
             "403": {"$ref": "#/components/responses/P403"}, "404": {"$ref": "#/components/responses/P404"}
            }
           }
          },
          "/vehicles": {
           "get": {
            "operationId": "listVehicles",
            "summary": "The vehicle registry, each vehicle with the session it is in now (where it charges, its state of charge)",
            "responses": {
             "200": {"description": "OK", "content": {"application/json": {"schema": {
              "type": "object", "required": ["items"],
              "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Vehicle"}}}}}}},
             "401": {"$ref": "#/components/responses/P401"}
            }
           },
           "post": {
            "operationId": "addVehicle", "summary": "Add a vehicle with the tokens that identify it (configure permission)",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
             "type": "object", "required": ["name", "tokens"], "properties": {
              "name": {"type": "string"}, "plate": {"type": "string"}, "fleet": {"type": "string"},
              "organization": {"type": "string", "description": "A client organization; a user of one adds to their own"},
              "tokens": {"type": "array", "items": {"type": "string", "maxLength": 20}, "minItems": 1}}}}}},
            "responses": {
             "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Vehicle"}}}},
             "400": {"$ref": "#/components/responses/P400"}, "401": {"$ref": "#/components/responses/P401"},
             "403": {"$ref": "#/components/responses/P403"}, "409": {"$ref": "#/components/responses/P409"}
            }
           }
          },
          "/vehicles/{vehicle}": {
           "delete": {
            "operationId": "deleteVehicle", "summary": "Remove a vehicle from the registry",
            "parameters": [{"in": "path", "name": "vehicle", "required": true, "schema": {"type": "string"}}],
            "responses": {
             "204": {"description": "Removed"}, "401": {"$ref": "#/components/responses/P401"},
             "403": {"$ref": "#/components/responses/P403"}, "404": {"$ref": "#/components/responses/P404"}
            }
           }
          },
          "/users": {
           "get": {
            "operationId": "listUsers", "summary": "Every user who may sign in (the fleet's administrators only)",
            "responses": {
             "200": {"description": "OK", "content": {"application/json": {"schema": {
              "type": "object", "required": ["items"],
              "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/User"}}}}}}},
             "401": {"$ref": "#/components/responses/P401"}, "403": {"$ref": "#/components/responses/P403"}
            }
           },
           "post": {
            "operationId": "addUser", "summary": "Add a user (the fleet's administrators only)",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
             "type": "object", "required": ["id", "role", "password"], "properties": {
              "id": {"type": "string", "description": "The login name: letters, digits, '.', '-', '_', '@'"},
              "name": {"type": "string"}, "role": {"type": "string", "enum": ["admin", "operator", "viewer", "partner"]},
              "organization": {"type": "string", "description": "A client organization; required for partners"},
              "language": {"type": "string", "enum": ["en", "de", "fr"]},
              "password": {"type": "string", "minLength": 10, "description": "At most 72 bytes; stored as bcrypt"}}}}}},
            "responses": {
             "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}},
             "400": {"$ref": "#/components/responses/P400"}, "401": {"$ref": "#/components/responses/P401"},
             "403": {"$ref": "#/components/responses/P403"}, "404": {"$ref": "#/components/responses/P404"},
             "409": {"$ref": "#/components/responses/P409"}
            }
           }
          },
          "/users/{user}": {
           "put": {
            "operationId": "changeUser",
            "summary": "Change a user's name, role, organization, language or password, or lift a lock; absent fields stay",
            "parameters": [{"in": "path", "name": "user", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
             "type": "object", "properties": {
              "name": {"type": "string"}, "role": {"type": "string", "enum": ["admin", "operator", "viewer", "partner"]},
              "organization": {"type": "string", "description": "Empty: the fleet's own staff"},
              "language": {"type": "string", "description": "en, de, fr; empty: the browser's"},
              "password": {"type": "string", "minLength": 10, "description": "Signs the user's browsers out"},
              "unlock": {"type": "boolean"}}}}}},
            "responses": {
             "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}},
             "400": {"$ref": "#/components/responses/P400"}, "401": {"$ref": "#/components/responses/P401"},
             "403": {"$ref": "#/components/responses/P403"}, "404": {"$ref": "#/components/responses/P404"},
             "409": {"$ref": "#/components/responses/P409"}
            }
           },
           "delete": {
            "operationId": "deleteUser", "summary": "Remove a user with their browser sessions and API tokens",
            "parameters": [{"in": "path", "name": "user", "required": true, "schema": {"type": "string"}}],
            "responses": {
             "204": {"description": "Removed"}, "401": {"$ref": "#/components/responses/P401"},
             "403": {"$ref": "#/components/responses/P403"}, "404": {"$ref": "#/components/responses/P404"},
             "409": {"$ref": "#/components/responses/P409"}
            }
           }
          },
          "/organizations": {
           "get": {
            "operationId": "listOrganizations", "summary": "Client organizations and what each is granted",
            "responses": {
             "200": {"description": "OK", "content": {"application/json": {"schema": {
              "type": "object", "required": ["items"],
              "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Organization"}}}}}}},
             "401": {"$ref": "#/components/responses/P401"}, "403": {"$ref": "#/components/responses/P403"}
            }
           }
          },
          "/tokens": {
           "get": {
            "operationId": "listTokens",
            "summary": "API tokens (never their secrets), with expiry, last use and whether revoked; the fleet's own administrators",
            "responses": {
             "200": {"description": "OK", "content": {"application/json": {"schema": {
              "type": "object", "required": ["items"],
              "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/APIToken"}}}}}}},
             "401": {"$ref": "#/components/responses/P401"}, "403": {"$ref": "#/components/responses/P403"}
            }
           },
           "post": {
            "operationId": "createToken",
            "summary": "Create a token; its secret (token) is in this answer only",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
             "type": "object", "required": ["name"], "properties": {
              "name": {"type": "string"},
              "role": {"enum": ["admin", "operator", "viewer", "partner"], "description": "Required without user"},
              "user": {"type": "string", "description": "The user the token acts for, with the user's role and organization"},
              "expiresInDays": {"type": "integer", "minimum": 0, "maximum": 3650, "description": "Default 365; 0: never"}}}}}},
            "responses": {
             "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/APIToken"}}}},
             "400": {"$ref": "#/components/responses/P400"}, "401": {"$ref": "#/components/responses/P401"},
             "403": {"$ref": "#/components/responses/P403"}, "404": {"$ref": "#/components/responses/P404"}
            }
           }
          },
          "/tokens/{token}": {
           "delete": {
            "operationId": "revokeToken", "summary": "Revoke a token: refused from the next request on",
            "parameters": [{"in": "path", "name": "token", "required": true, "schema": {"type": "string"}, "description": "The token's id"}],
            "responses": {
             "204": {"description": "Revoked"}, "401": {"$ref": "#/components/responses/P401"},
             "403": {"$ref": "#/components/responses/P403"}, "404": {"$ref": "#/components/responses/P404"}
            }
           }
          },
          "/organizations/{organization}": {
           "put": {
            "operationId": "saveOrganization",
            "summary": "Add an organization or replace its name and grants (whole sites, single stations, groups)",
            "parameters": [{"in": "path", "name": "organization", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
             "type": "object", "required": ["name"], "properties": {
              "name": {"type": "string"}, "sites": {"type": "array", "items": {"type": "string"}},
              "stations": {"type": "array", "items": {"type": "string", "description": "site/station"}},
              "groups": {"type": "array", "items": {"type": "string"}}}}}}},
            "responses": {
             "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Organization"}}}},
             "400": {"$ref": "#/components/responses/P400"}, "401": {"$ref": "#/components/responses/P401"},
             "403": {"$ref": "#/components/responses/P403"}, "404": {"$ref": "#/components/responses/P404"}
            }
           },
           "delete": {
            "operationId": "deleteOrganization", "summary": "Remove an organization no user belongs to any more",
            "parameters": [{"in": "path", "name": "organization", "required": true, "schema": {"type": "string"}}],
            "responses": {
             "204": {"description": "Removed"}, "401": {"$ref": "#/components/responses/P401"},
             "403": {"$ref": "#/components/responses/P403"}, "404": {"$ref": "#/components/responses/P404"},
             "409": {"$ref": "#/components/responses/P409"}
            }
           }
          }
         },
         "siteProperties": {
          "address": {"type": "string"}, "latitude": {"type": "number"}, "longitude": {"type": "number"},
          "timeZone": {"type": "string", "description": "IANA time zone the site's pages show times in"}
         },
         "schemas": {
          "Reservation": {
           "type": "object", "required": ["reservationId", "site", "station", "connector", "idTag", "expires", "madeAt"],
           "properties": {
            "reservationId": {"type": "integer"}, "site": {"type": "string"}, "station": {"type": "string"},
            "connector": {"type": "integer"}, "idTag": {"type": "string"},
            "expires": {"type": "string", "format": "date-time"}, "madeAt": {"type": "string", "format": "date-time"},
            "madeBy": {"type": "string"}
           }
          },
          "StationGroup": {
           "type": "object", "required": ["id", "name", "stations", "counts"],
           "properties": {
            "id": {"type": "string"}, "name": {"type": "string"},
            "stations": {"type": "array", "items": {"type": "string", "description": "site/station"}},
            "counts": {"type": "object", "additionalProperties": {"type": "integer"},
             "description": "Connectors by state: inUse, available, reserved, inoperative"}
           }
          },
          "Vehicle": {
           "type": "object", "required": ["id", "name", "tokens"],
           "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}, "plate": {"type": "string"}, "fleet": {"type": "string"},
            "organization": {"type": "string"}, "tokens": {"type": "array", "items": {"type": "string"}},
            "createdAt": {"type": "string", "format": "date-time"},
            "charging": {"$ref": "#/components/schemas/Session"}
           }
          },
          "APIToken": {
           "type": "object", "required": ["id", "name", "role", "createdAt", "revoked"],
           "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}, "role": {"type": "string"}, "user": {"type": "string"},
            "createdAt": {"type": "string", "format": "date-time"},
            "expiresAt": {"type": "string", "format": "date-time", "description": "Absent: never"},
            "lastUsedAt": {"type": "string", "format": "date-time"}, "revoked": {"type": "boolean"},
            "token": {"type": "string", "description": "The secret, only when just created"}
           }
          },
          "User": {
           "type": "object", "required": ["id", "name", "role", "createdAt"],
           "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}, "role": {"type": "string"},
            "organization": {"type": "string"}, "language": {"type": "string"},
            "lockedUntil": {"type": "string", "format": "date-time", "description": "Locked after failed sign-ins until"},
            "createdAt": {"type": "string", "format": "date-time"}
           }
          },
          "Organization": {
           "type": "object", "required": ["id", "name", "sites", "stations", "groups"],
           "properties": {
            "id": {"type": "string"}, "name": {"type": "string"},
            "sites": {"type": "array", "items": {"type": "string"}, "description": "Granted whole"},
            "stations": {"type": "array", "items": {"type": "string"}, "description": "Granted alone, each as site/station (a bare id only when it is known at one site)"},
            "groups": {"type": "array", "items": {"type": "string"}, "description": "Granted with their stations"}
           }
          }
         }
        }
        """#

    static let firmware = #"""
        {
         "paths": {
          "/firmware/images": {
           "get": {
            "operationId": "listFirmwareImages", "summary": "Firmware images (configure permission)",
            "responses": {
             "200": {"description": "OK", "content": {"application/json": {"schema": {
              "type": "object", "required": ["items"],
              "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/FirmwareImage"}}}}}}},
             "401": {"$ref": "#/components/responses/P401"}, "403": {"$ref": "#/components/responses/P403"}
            }
           },
           "post": {
            "operationId": "addFirmwareImage",
            "summary": "Upload an image (raw bytes, with name, version and fileName in the query) or register one at an external URL (JSON)",
            "parameters": [
             {"in": "query", "name": "name", "required": false, "schema": {"type": "string"}, "description": "For an upload"},
             {"in": "query", "name": "version", "required": false, "schema": {"type": "string"}, "description": "For an upload"},
             {"in": "query", "name": "fileName", "required": false, "schema": {"type": "string"}, "description": "For an upload: the name stations download"}
            ],
            "requestBody": {"required": true, "content": {
             "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
             "application/json": {"schema": {"type": "object", "required": ["name", "version", "url"], "properties": {
              "name": {"type": "string"}, "version": {"type": "string"},
              "url": {"type": "string", "format": "uri", "description": "https:// or ftps://"},
              "allowUnencrypted": {"type": "boolean", "description": "true: an http:// or ftp:// url is taken too"}}}}}},
            "responses": {
             "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FirmwareImage"}}}},
             "400": {"$ref": "#/components/responses/P400"}, "401": {"$ref": "#/components/responses/P401"},
             "403": {"$ref": "#/components/responses/P403"}
            }
           }
          },
          "/firmware/images/{image}/signature": {
           "put": {
            "operationId": "setFirmwareSignature",
            "summary": "Give an image its manufacturer's signature and firmware signing certificate (campaigns then send SignedUpdateFirmware, and the charger verifies the image), or take them away with both null",
            "parameters": [{"in": "path", "name": "image", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {
             "signature": {"type": ["string", "null"], "maxLength": 800, "description": "Base64"},
             "signingCertificate": {"type": ["string", "null"], "maxLength": 5500, "description": "One X.509 certificate, PEM"}}}}}},
            "responses": {
             "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FirmwareImage"}}}},
             "400": {"$ref": "#/components/responses/P400"}, "401": {"$ref": "#/components/responses/P401"},
             "403": {"$ref": "#/components/responses/P403"}, "404": {"$ref": "#/components/responses/P404"}
            }
           }
          },
          "/firmware/campaigns": {
           "get": {
            "operationId": "listFirmwareCampaigns", "summary": "Firmware campaigns with their progress, newest first",
            "responses": {
             "200": {"description": "OK", "content": {"application/json": {"schema": {
              "type": "object", "required": ["items"],
              "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/FirmwareCampaign"}}}}}}},
             "401": {"$ref": "#/components/responses/P401"}, "403": {"$ref": "#/components/responses/P403"}
            }
           },
           "post": {
            "operationId": "createFirmwareCampaign",
            "summary": "Roll an image out to the stations of sites, of groups and to single stations, from a start time, at a rate",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
             "type": "object", "required": ["name", "image"], "properties": {
              "name": {"type": "string"}, "image": {"type": "string", "description": "Image id"},
              "sites": {"type": "array", "items": {"type": "string"}},
              "stations": {"type": "array", "items": {"type": "string", "description": "site/station"}},
              "groups": {"type": "array", "items": {"type": "string"}, "description": "Group ids: their stations when the campaign is created"},
              "startAt": {"type": "string", "format": "date-time", "description": "Default: now"},
              "ratePerMinute": {"type": "integer", "minimum": 1, "maximum": 10000, "description": "Stations sent the update per minute at most; default 10"}}}}}},
            "responses": {
             "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FirmwareCampaign"}}}},
             "400": {"$ref": "#/components/responses/P400"}, "401": {"$ref": "#/components/responses/P401"},
             "403": {"$ref": "#/components/responses/P403"}, "404": {"$ref": "#/components/responses/P404"}
            }
           }
          },
          "/firmware/campaigns/{campaign}": {
           "get": {
            "operationId": "getFirmwareCampaign", "summary": "A campaign with each station's progress",
            "parameters": [{"in": "path", "name": "campaign", "required": true, "schema": {"type": "string"}}],
            "responses": {
             "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FirmwareCampaign"}}}},
             "401": {"$ref": "#/components/responses/P401"}, "403": {"$ref": "#/components/responses/P403"},
             "404": {"$ref": "#/components/responses/P404"}
            }
           }
          },
          "/firmware/campaigns/{campaign}/stop": {
           "post": {
            "operationId": "stopFirmwareCampaign", "summary": "Stop a campaign: stations not sent the update yet are skipped",
            "parameters": [{"in": "path", "name": "campaign", "required": true, "schema": {"type": "string"}}],
            "responses": {
             "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FirmwareCampaign"}}}},
             "401": {"$ref": "#/components/responses/P401"}, "403": {"$ref": "#/components/responses/P403"},
             "404": {"$ref": "#/components/responses/P404"}, "409": {"$ref": "#/components/responses/P409"}
            }
           }
          }
         },
         "schemas": {
          "FirmwareImage": {
           "type": "object", "required": ["id", "name", "version", "createdAt"],
           "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}, "version": {"type": "string"},
            "fileName": {"type": "string", "description": "Uploaded images: served at /firmware/{id}/{fileName}"},
            "size": {"type": "integer"}, "sha256": {"type": "string"},
            "url": {"type": "string", "description": "External images"},
            "createdAt": {"type": "string", "format": "date-time"}, "createdBy": {"type": "string"},
            "allowUnencrypted": {"type": "boolean", "description": "An http:// or ftp:// url that was allowed explicitly"},
            "signature": {"type": "string", "description": "The manufacturer's signature of the image, Base64"},
            "signingCertificate": {"type": "string", "description": "The manufacturer's firmware signing certificate, PEM"}
           }
          },
          "FirmwareCampaign": {
           "type": "object",
           "required": ["id", "name", "image", "location", "startAt", "ratePerMinute", "state", "createdAt", "progress"],
           "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}, "image": {"type": "string"},
            "location": {"type": "string", "description": "Where stations download the image"},
            "startAt": {"type": "string", "format": "date-time"}, "ratePerMinute": {"type": "integer"},
            "state": {"enum": ["scheduled", "running", "stopped", "finished"]},
            "createdAt": {"type": "string", "format": "date-time"}, "createdBy": {"type": "string"},
            "finishedAt": {"type": "string", "format": "date-time"},
            "progress": {"type": "object", "additionalProperties": {"type": "integer"}, "description": "Stations per state"},
            "targets": {"type": "array", "items": {"$ref": "#/components/schemas/FirmwareTarget"}}
           }
          },
          "FirmwareTarget": {
           "type": "object", "required": ["station", "site", "state"],
           "properties": {
            "station": {"type": "string"}, "site": {"type": "string"},
            "state": {"type": "string", "description": "pending, sending, sent, Downloading, Downloaded, Installing, Installed, DownloadFailed, InstallationFailed, skipped"},
            "sentAt": {"type": "string", "format": "date-time"}, "updatedAt": {"type": "string", "format": "date-time"},
            "detail": {"type": "string"}
           }
          }
         }
        }
        """#

    /// `base` with the fragments' paths and schemas added, as sorted JSON.
    /// A station is named by its site and its id: each `/stations/{station}…` operation is served under
    /// `/sites/{site}/stations/{station}…`, and the old path stays (deprecated) for an id the caller sees at one site
    /// only, answering 409 when at several.
    static func stationsBySite(_ paths: [String: Any]) -> [String: Any] {
        var paths = paths
        let site: [String: Any] = [
            "in": "path", "name": "site", "required": true, "schema": ["type": "string"], "description": "Site id",
        ]
        for (path, item) in paths where path.hasPrefix("/stations/{station}") {
            var canonical: [String: Any] = [:]
            var legacy: [String: Any] = [:]
            for (method, value) in item as? [String: Any] ?? [:] {
                guard var operation = value as? [String: Any] else { continue }
                var bySite = operation
                bySite["parameters"] = [site] + (operation["parameters"] as? [Any] ?? [])
                canonical[method] = bySite
                var responses = operation["responses"] as? [String: Any] ?? [:]
                responses["409"] = ["$ref": "#/components/responses/P409"]
                operation["responses"] = responses
                operation["operationId"] = "\(operation["operationId"] ?? method)ById"
                operation["deprecated"] = true
                operation["description"] =
                    "The station of this id the caller sees at one site only (409, naming the sites, when at several); "
                    + "use /sites/{site}/stations/{station}."
                legacy[method] = operation
            }
            paths["/sites/{site}" + path] = canonical
            paths[path] = legacy
        }
        return paths
    }

    static func merged(into base: String) -> String {
        guard var document = try? JSONSerialization.jsonObject(with: Data(base.utf8)) as? [String: Any] else {
            preconditionFailure("the OpenAPI document is not valid JSON")
        }
        var paths = document["paths"] as? [String: Any] ?? [:]
        var components = document["components"] as? [String: Any] ?? [:]
        var schemas = components["schemas"] as? [String: Any] ?? [:]
        for text in [Self.firmware, Self.vehicles] {
            guard let fragment = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                preconditionFailure("a fragment of the OpenAPI document is not valid JSON")
            }
            // Operations are added to a path the core already has (its other methods stay).
            for (path, item) in fragment["paths"] as? [String: Any] ?? [:] {
                var operations = paths[path] as? [String: Any] ?? [:]
                for (method, operation) in item as? [String: Any] ?? [:] { operations[method] = operation }
                paths[path] = operations
            }
            for (name, schema) in fragment["schemas"] as? [String: Any] ?? [:] { schemas[name] = schema }
            if let extra = fragment["siteProperties"] as? [String: Any], var site = schemas["Site"] as? [String: Any] {
                var properties = site["properties"] as? [String: Any] ?? [:]
                for (name, property) in extra { properties[name] = property }
                site["properties"] = properties
                schemas["Site"] = site
            }
        }
        paths = Self.stationsBySite(paths)
        document["paths"] = paths
        components["schemas"] = schemas
        document["components"] = components
        let data =
            (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

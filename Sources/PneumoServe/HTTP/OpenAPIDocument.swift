/// The OpenAPI 3.1 description of the API, served at `GET /openapi.json`.
///
/// This string is the source: it lives in the binary so a server always describes itself, and
/// `docs/openapi.json` is a copy kept for readers and tools. `OpenAPIDocumentTests` fails when the
/// two differ or when a route is missing from either side; run it with PNEUMO_WRITE_OPENAPI=1 to
/// rewrite the copy after editing this file.
enum OpenAPIDocument {
    /// The document, exactly as served and as kept in `docs/openapi.json`.
    static let json = ##"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "pneumo serve",
        "version": "1",
        "description": "Classifies chest X-ray JPEGs as NORMAL or PNEUMONIA with a trained pneumo checkpoint. Every GET also answers HEAD, with the same headers and no body. Every error is JSON: {\"error\": {\"status\", \"code\", \"message\"}}; `code` is stable, `message` says what was wrong and what to do. On a loopback address the Host header must name this machine (localhost, 127.0.0.1, [::1] or a name given with --allowed-host), and a POST carrying an Origin must come from this server's own page."
      },
      "servers": [
        {
          "url": "/"
        }
      ],
      "paths": {
        "/": {
          "get": {
            "operationId": "page",
            "summary": "The web page for clinicians",
            "description": "A single HTML page that uploads a JPEG to POST /api/v1/predict and shows the answer.",
            "responses": {
              "200": {
                "description": "The page.",
                "content": {
                  "text/html": {
                    "schema": {
                      "type": "string"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadHost"
              },
              "421": {
                "$ref": "#/components/responses/HostNotAllowed"
              },
              "500": {
                "$ref": "#/components/responses/InternalError"
              }
            }
          }
        },
        "/api/v1/predict": {
          "post": {
            "operationId": "predict",
            "summary": "Classify one chest X-ray JPEG",
            "description": "Send the JPEG as the raw body (image/jpeg or application/octet-stream) or as the one file of a multipart/form-data form. Requests arriving together are batched on the server. Images that fail the quality gate are refused with 422 unless low_quality=flag.",
            "parameters": [
              {
                "name": "heatmap",
                "in": "query",
                "required": false,
                "description": "1, true or yes to add a Grad-CAM heatmap (PNG, base64) to the answer; 0, false, no or empty for none (the default). Case-insensitive.",
                "schema": {
                  "type": "string",
                  "enum": [
                    "",
                    "0",
                    "1",
                    "false",
                    "true",
                    "no",
                    "yes"
                  ]
                }
              },
              {
                "name": "low_quality",
                "in": "query",
                "required": false,
                "description": "refuse (the default): an image that fails the quality gate gets 422. flag: it is classified anyway and the answer lists quality_findings. Case-insensitive.",
                "schema": {
                  "type": "string",
                  "enum": [
                    "",
                    "refuse",
                    "flag"
                  ]
                }
              }
            ],
            "requestBody": {
              "required": true,
              "description": "One JPEG or DICOM image (DICOM is recognised by its bytes under any of these types); at most --max-body-mb bytes and --max-pixels pixels.",
              "content": {
                "image/jpeg": {
                  "schema": {
                    "type": "string",
                    "contentMediaType": "image/jpeg",
                    "minLength": 1
                  }
                },
                "application/dicom": {
                  "schema": {
                    "type": "string",
                    "contentMediaType": "application/dicom",
                    "minLength": 1
                  }
                },
                "application/octet-stream": {
                  "schema": {
                    "type": "string",
                    "contentMediaType": "image/jpeg",
                    "minLength": 1
                  }
                },
                "multipart/form-data": {
                  "schema": {
                    "type": "object",
                    "description": "Exactly one file field (any name); other fields are ignored.",
                    "properties": {
                      "file": {
                        "type": "string",
                        "contentMediaType": "image/jpeg",
                        "minLength": 1
                      }
                    },
                    "required": [
                      "file"
                    ]
                  },
                  "encoding": {
                    "file": {
                      "contentType": "image/jpeg, application/dicom, application/octet-stream"
                    }
                  }
                }
              }
            },
            "responses": {
              "200": {
                "description": "The prediction.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Prediction"
                    }
                  }
                }
              },
              "400": {
                "description": "The request cannot be used: bad_query (heatmap or low_quality not understood), empty_body, not_a_jpeg, truncated_jpeg, truncated_dicom, unreadable_dicom, bad_dicom_dimensions (zero rows or columns), bad_multipart, missing_file, too_many_files, malformed_body or incomplete_body (the connection is then closed), bad_host (more than one Host header).",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "403": {
                "$ref": "#/components/responses/CrossOrigin"
              },
              "408": {
                "description": "request_timeout: the body stopped arriving for --body-timeout-seconds; the connection is closed.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "413": {
                "description": "body_too_large (above --max-body-mb) or too_many_pixels (above --max-pixels).",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "415": {
                "description": "unsupported_media_type (no Content-Type, or not image/jpeg, application/dicom, application/octet-stream or multipart/form-data), unsupported_image_format (another image type, or a kind of JPEG the decoder does not read), unsupported_dicom_syntax (a transfer syntax without a decoder) or unsupported_dicom_image (colour, palette, or not 8 to 16 bits).",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "421": {
                "$ref": "#/components/responses/HostNotAllowed"
              },
              "422": {
                "description": "low_quality_image: not a usable chest X-ray (too small, flat, nearly uniform...); add low_quality=flag to classify it anyway. dicom_without_pixel_data: a DICOM object that holds no image.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "500": {
                "description": "inference_failed (the model failed), model_output_not_finite (NaN or infinity: the checkpoint may be damaged) or internal_error.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "503": {
                "description": "server_busy (already --max-in-flight predictions; Retry-After: 1) or model_not_ready (the model failed its start-up probe; see GET /readyz).",
                "headers": {
                  "Retry-After": {
                    "description": "Seconds to wait before retrying (server_busy only).",
                    "schema": {
                      "type": "string"
                    }
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              }
            }
          }
        },
        "/api/v1/model": {
          "get": {
            "operationId": "model",
            "summary": "The model being served",
            "description": "Its identity, classes, decision threshold, architecture, training metrics, calibration and the server's limits.",
            "responses": {
              "200": {
                "description": "The model.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Model"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadHost"
              },
              "421": {
                "$ref": "#/components/responses/HostNotAllowed"
              },
              "500": {
                "$ref": "#/components/responses/InternalError"
              }
            }
          }
        },
        "/healthz": {
          "get": {
            "operationId": "health",
            "summary": "Liveness",
            "description": "200 whenever the process serves HTTP, whatever the model does; `ready` tells whether predictions are served.",
            "responses": {
              "200": {
                "description": "The process is up.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Health"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadHost"
              },
              "421": {
                "$ref": "#/components/responses/HostNotAllowed"
              },
              "500": {
                "$ref": "#/components/responses/InternalError"
              }
            }
          }
        },
        "/readyz": {
          "get": {
            "operationId": "readiness",
            "summary": "Readiness",
            "description": "200 once the model gave finite outputs on a built-in probe image at start; 503 while that check runs (status starting, Retry-After: 1) or after it failed (status failed, with the reason).",
            "responses": {
              "200": {
                "description": "Ready: predictions are served.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Readiness"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadHost"
              },
              "421": {
                "$ref": "#/components/responses/HostNotAllowed"
              },
              "500": {
                "$ref": "#/components/responses/InternalError"
              },
              "503": {
                "description": "Not ready: starting or failed.",
                "headers": {
                  "Retry-After": {
                    "description": "Present while starting.",
                    "schema": {
                      "type": "string"
                    }
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Readiness"
                    }
                  }
                }
              }
            }
          }
        },
        "/metrics": {
          "get": {
            "operationId": "metrics",
            "summary": "Prometheus metrics",
            "description": "Requests by route and status (hb_requests), their latency (http_server_request_duration, a histogram in seconds), requests in progress (http_server_active_requests), images per model call (pneumo_batch_size), predictions in flight (pneumo_predictions_in_flight) and the checkpoint's load time (pneumo_model_load_seconds). Served whether or not the model is ready.",
            "responses": {
              "200": {
                "description": "The Prometheus text exposition format, version 0.0.4.",
                "content": {
                  "text/plain; version=0.0.4; charset=utf-8": {
                    "schema": {
                      "type": "string"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadHost"
              },
              "421": {
                "$ref": "#/components/responses/HostNotAllowed"
              },
              "500": {
                "$ref": "#/components/responses/InternalError"
              }
            }
          }
        },
        "/openapi.json": {
          "get": {
            "operationId": "openapi",
            "summary": "This description",
            "description": "The OpenAPI 3.1 description of the API.",
            "responses": {
              "200": {
                "description": "The description.",
                "content": {
                  "application/json": {
                    "schema": {
                      "type": "object"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadHost"
              },
              "421": {
                "$ref": "#/components/responses/HostNotAllowed"
              },
              "500": {
                "$ref": "#/components/responses/InternalError"
              }
            }
          }
        }
      },
      "components": {
        "responses": {
          "BadHost": {
            "description": "bad_host: the request has more than one Host header.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "HostNotAllowed": {
            "description": "host_not_allowed: a loopback server was reached by a host name it does not answer to.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "CrossOrigin": {
            "description": "cross_origin_request: a POST from a web page of another origin.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "InternalError": {
            "description": "internal_error: an unexpected failure; the details are in the server log.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "schemas": {
          "Error": {
            "type": "object",
            "properties": {
              "error": {
                "type": "object",
                "properties": {
                  "status": {
                    "type": "integer"
                  },
                  "code": {
                    "type": "string"
                  },
                  "message": {
                    "type": "string"
                  }
                },
                "required": [
                  "status",
                  "code",
                  "message"
                ],
                "additionalProperties": false
              }
            },
            "required": [
              "error"
            ],
            "additionalProperties": false
          },
          "ModelReference": {
            "type": "object",
            "properties": {
              "id": {
                "type": "string"
              },
              "version": {
                "type": "string"
              }
            },
            "required": [
              "id",
              "version"
            ],
            "additionalProperties": false
          },
          "QualityFinding": {
            "type": "object",
            "properties": {
              "rule": {
                "type": "string",
                "enum": [
                  "decoder_warning",
                  "minimum_side",
                  "aspect_ratio",
                  "bits_per_pixel",
                  "contrast",
                  "entropy",
                  "flat_share",
                  "familiarity"
                ]
              },
              "value": {
                "type": "string",
                "description": "The measured value, as shown to the user."
              },
              "limit": {
                "type": "string",
                "description": "The limit it missed, e.g. \">= 0.5\"."
              },
              "message": {
                "type": "string"
              }
            },
            "required": [
              "rule",
              "value",
              "limit",
              "message"
            ],
            "additionalProperties": false
          },
          "Prediction": {
            "type": "object",
            "properties": {
              "class": {
                "type": "string",
                "description": "The predicted class."
              },
              "probability": {
                "type": "number",
                "description": "The predicted class's probability."
              },
              "probabilities": {
                "type": "object",
                "additionalProperties": {
                  "type": "number"
                },
                "description": "Every class's probability."
              },
              "positive_class": {
                "type": "string"
              },
              "threshold": {
                "type": "number",
                "description": "The positive class is predicted at or above this probability."
              },
              "model": {
                "$ref": "#/components/schemas/ModelReference"
              },
              "image": {
                "type": "object",
                "properties": {
                  "width": {
                    "type": "integer"
                  },
                  "height": {
                    "type": "integer"
                  }
                },
                "required": [
                  "width",
                  "height"
                ],
                "additionalProperties": false
              },
              "batch_size": {
                "type": "integer",
                "description": "Images in the model call that served this one."
              },
              "timing_ms": {
                "type": "object",
                "properties": {
                  "queue": {
                    "type": "number"
                  },
                  "inference": {
                    "type": "number"
                  },
                  "total": {
                    "type": "number"
                  }
                },
                "required": [
                  "queue",
                  "inference",
                  "total"
                ],
                "additionalProperties": false
              },
              "heatmap": {
                "description": "Present when heatmap=1 was asked and the model has a convolutional layer.",
                "type": "object",
                "properties": {
                  "media_type": {
                    "const": "image/png"
                  },
                  "base64": {
                    "type": "string"
                  }
                },
                "required": [
                  "media_type",
                  "base64"
                ],
                "additionalProperties": false
              },
              "quality_findings": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/QualityFinding"
                },
                "description": "Present only for an image classified despite failing the quality gate (low_quality=flag)."
              },
              "calibrated": {
                "type": "boolean",
                "description": "Whether the probabilities are calibrated (the model has a temperature)."
              },
              "reading": {
                "type": "string",
                "description": "The answer in words: where the image stands against the operating point."
              }
            },
            "required": [
              "class",
              "probability",
              "probabilities",
              "positive_class",
              "threshold",
              "model",
              "image",
              "batch_size",
              "timing_ms",
              "calibrated",
              "reading"
            ],
            "additionalProperties": false
          },
          "ThresholdChoice": {
            "type": "object",
            "properties": {
              "strategy": {
                "type": "object",
                "properties": {
                  "method": {
                    "type": "string",
                    "enum": [
                      "fixed",
                      "youden",
                      "sensitivity"
                    ]
                  },
                  "value": {
                    "type": "number"
                  }
                },
                "required": [
                  "method"
                ],
                "additionalProperties": false
              },
              "threshold": {
                "type": "number"
              },
              "sensitivity": {
                "type": "number"
              },
              "specificity": {
                "type": "number"
              },
              "chosenOn": {
                "type": "string",
                "description": "The data it was chosen on, e.g. validation."
              }
            },
            "required": [
              "strategy",
              "threshold",
              "sensitivity",
              "specificity",
              "chosenOn"
            ],
            "additionalProperties": false
          },
          "Model": {
            "type": "object",
            "properties": {
              "id": {
                "type": "string"
              },
              "version": {
                "type": "string"
              },
              "classes": {
                "type": "array",
                "items": {
                  "type": "string"
                }
              },
              "positive_class": {
                "type": "string"
              },
              "threshold": {
                "type": "number"
              },
              "architecture": {
                "description": "The checkpoint's architecture, as recorded by pneumo train (any JSON)."
              },
              "training_metrics": {
                "description": "The checkpoint's training metrics, as recorded by pneumo train (any JSON)."
              },
              "limits": {
                "type": "object",
                "properties": {
                  "max_body_bytes": {
                    "type": "integer"
                  },
                  "max_pixels": {
                    "type": "integer"
                  },
                  "max_in_flight": {
                    "type": "integer"
                  },
                  "max_batch_size": {
                    "type": "integer"
                  },
                  "max_batch_wait_ms": {
                    "type": "number"
                  }
                },
                "required": [
                  "max_body_bytes",
                  "max_pixels",
                  "max_in_flight",
                  "max_batch_size",
                  "max_batch_wait_ms"
                ],
                "additionalProperties": false
              },
              "temperature": {
                "type": "number",
                "description": "The calibration temperature; absent when the probabilities are not calibrated."
              },
              "operating_point": {
                "$ref": "#/components/schemas/ThresholdChoice",
                "description": "How the threshold was chosen; absent when not recorded."
              }
            },
            "required": [
              "id",
              "version",
              "classes",
              "positive_class",
              "threshold",
              "architecture",
              "training_metrics",
              "limits"
            ],
            "additionalProperties": false
          },
          "Health": {
            "type": "object",
            "properties": {
              "status": {
                "const": "ok"
              },
              "ready": {
                "type": "boolean"
              },
              "model": {
                "$ref": "#/components/schemas/ModelReference"
              },
              "in_flight": {
                "type": "integer"
              },
              "max_in_flight": {
                "type": "integer"
              }
            },
            "required": [
              "status",
              "ready",
              "model",
              "in_flight",
              "max_in_flight"
            ],
            "additionalProperties": false
          },
          "Readiness": {
            "type": "object",
            "properties": {
              "ready": {
                "type": "boolean"
              },
              "status": {
                "type": "string",
                "enum": [
                  "starting",
                  "ready",
                  "failed"
                ]
              },
              "reason": {
                "type": "string",
                "description": "Why not ready; absent when ready."
              },
              "model": {
                "$ref": "#/components/schemas/ModelReference"
              },
              "probe": {
                "description": "The probe's outcome; present when ready.",
                "type": "object",
                "properties": {
                  "probabilities": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "number"
                    }
                  },
                  "milliseconds": {
                    "type": "number"
                  }
                },
                "required": [
                  "probabilities",
                  "milliseconds"
                ],
                "additionalProperties": false
              },
              "error": {
                "description": "The usual error object; present when not ready.",
                "type": "object",
                "properties": {
                  "status": {
                    "type": "integer"
                  },
                  "code": {
                    "type": "string"
                  },
                  "message": {
                    "type": "string"
                  }
                },
                "required": [
                  "status",
                  "code",
                  "message"
                ],
                "additionalProperties": false
              }
            },
            "required": [
              "ready",
              "status",
              "model"
            ],
            "additionalProperties": false
          }
        }
      }
    }

    """##
}

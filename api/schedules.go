package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tailsynth/tailsynth/jobs"
)

// ScheduleRegistry is what the schedule routes need: the schedules that
// submit a job on a cron expression.
type ScheduleRegistry interface {
	CreateSchedule(ctx context.Context, s jobs.Schedule) (*jobs.Schedule, error)
	GetSchedule(ctx context.Context, id string) (*jobs.Schedule, error)
	ListSchedules(ctx context.Context) ([]*jobs.Schedule, error)
	DeleteSchedule(ctx context.Context, id string) error
}

type scheduleRequest struct {
	Name          string     `json:"name"`
	Cron          string     `json:"cron"`
	Job           JobRequest `json:"job"`
	OnlyIfChanged bool       `json:"only_if_changed"`
	Overlap       bool       `json:"overlap"`
}

func (v *V1) createSchedule(c *gin.Context) (int, any, error) {
	var req scheduleRequest
	if err := decodeJSON(c, &req); err != nil {
		return 0, nil, err
	}
	if req.Cron == "" {
		return 0, nil, Errorf(http.StatusBadRequest, CodeValidation, "cron is required, e.g. \"0 3 * * *\" or \"@daily\"")
	}
	if req.Job.Seed == nil {
		return 0, nil, Errorf(http.StatusBadRequest, CodeValidation, "job.seed is required in a schedule, so that every run is reproducible")
	}
	spec, err := v.spec(c.Request.Context(), req.Job)
	if err != nil {
		return 0, nil, err
	}
	s, err := v.Schedules.CreateSchedule(c.Request.Context(), jobs.Schedule{Name: req.Name, Cron: req.Cron, Template: spec, OnlyIfChanged: req.OnlyIfChanged, Overlap: req.Overlap})
	if err != nil {
		return 0, nil, err
	}
	c.Header("Location", "/v1/schedules/"+s.ID)
	return http.StatusCreated, s, nil
}

func (v *V1) listSchedules(c *gin.Context) (int, any, error) {
	list, err := v.Schedules.ListSchedules(c.Request.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, gin.H{"schedules": nonNil(list)}, nil
}

func (v *V1) getSchedule(c *gin.Context) (int, any, error) {
	s, err := v.Schedules.GetSchedule(c.Request.Context(), c.Param("id"))
	if err != nil {
		return 0, nil, notFound(err, "schedule", c.Param("id"))
	}
	return http.StatusOK, s, nil
}

func (v *V1) deleteSchedule(c *gin.Context) (int, any, error) {
	if err := v.Schedules.DeleteSchedule(c.Request.Context(), c.Param("id")); err != nil {
		return 0, nil, notFound(err, "schedule", c.Param("id"))
	}
	return http.StatusNoContent, nil, nil
}
